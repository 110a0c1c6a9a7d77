import { describe, expect, it } from 'vitest';
import { columnDirection, patientSideAt } from '../../../ml/post';

describe('patient side', () => {
  it('reads PatientOrientation when present, else takes a PA or AP film to follow the display convention', () => {
    expect(columnDirection({ patientOrientation: 'L\\F' })).toBe('patient-left');
    expect(columnDirection({ patientOrientation: 'LP\\F', viewPosition: 'PA' })).toBe('patient-left');
    expect(columnDirection({ patientOrientation: 'R\\F', viewPosition: 'PA' })).toBe('patient-right');
    expect(columnDirection({ patientOrientation: 'A\\F', viewPosition: 'PA' })).toBe('unknown');
    expect(columnDirection({ patientOrientation: null, viewPosition: 'PA' })).toBe('patient-left');
    expect(columnDirection({ viewPosition: ' ap ' })).toBe('patient-left');
    expect(columnDirection({ viewPosition: 'LL' })).toBe('unknown');
    expect(columnDirection({})).toBe('unknown');
  });

  it("puts the patient's right on the image's left of a conventional frontal film", () => {
    expect(patientSideAt(100, 1024, 'patient-left')).toBe('right');
    expect(patientSideAt(900, 1024, 'patient-left')).toBe('left');
    expect(patientSideAt(100, 1024, 'patient-right')).toBe('left');
    expect(patientSideAt(511.5, 1024, 'patient-left')).toBe('unknown'); // on the midline
    expect(patientSideAt(100, 1024, 'unknown')).toBe('unknown');
  });
});
