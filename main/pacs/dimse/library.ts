// dcmjs-dimse, imported in one place. Its bundle is CommonJS (one default import from ESM), and its logger prints
// every PDU at info level: Pleura says what happened on an association itself (errors, the SCP's `log`), so the
// library is silenced once, here.
import dimse from 'dcmjs-dimse';
import type { association, Dataset as LibraryDataset, requests, responses } from 'dcmjs-dimse';

dimse.log.setLevel('silent');

export const { Dataset, Implementation, Scp, constants } = dimse;
export const { Association } = dimse.association;
export const { CEchoRequest, CFindRequest, CGetRequest, CMoveRequest, CStoreRequest } = dimse.requests;
export const { CEchoResponse, CStoreResponse } = dimse.responses;

export type DatasetType = LibraryDataset;
export type AssociationType = association.Association;
export type PresentationContextType = association.PresentationContext;
export type RequestType = requests.Request;
export type CFindRequestType = requests.CFindRequest;
export type CGetRequestType = requests.CGetRequest;
export type CMoveRequestType = requests.CMoveRequest;
export type CStoreRequestType = requests.CStoreRequest;
export type CEchoRequestType = requests.CEchoRequest;
export type ResponseType = responses.Response;
export type CFindResponseType = responses.CFindResponse;
export type CGetResponseType = responses.CGetResponse;
export type CMoveResponseType = responses.CMoveResponse;
export type CStoreResponseType = responses.CStoreResponse;
export type CEchoResponseType = responses.CEchoResponse;
