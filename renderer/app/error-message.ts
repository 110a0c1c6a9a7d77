// Errors cross the API as ApiError (or anything a library throws); the user sees their message.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
