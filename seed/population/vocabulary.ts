/** The value lists the synthetic population is drawn from (fictional people; real code systems). */

export const FAMILY_NAMES = [
  'Smith', 'Smithson', 'Garcia', 'Hernandez', 'Lopez', 'Martinez', 'Gonzalez', 'Rodriguez', 'Perez', 'Sanchez',
  'Ramirez', 'Torres', 'Flores', 'Rivera', 'Gomez', 'Nguyen', 'Tran', 'Le', 'Pham', 'Kim',
  'Lee', 'Park', 'Chen', 'Wong', 'Singh', 'Kaur', 'Johnson', 'Williams', 'Brown', 'Jones',
  'Miller', 'Davis', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Thompson',
  'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
  'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter',
  'Vasquez', 'Castillo', 'Morales', 'Ortiz', 'Gutierrez', 'Chavez', 'Ramos', 'Ruiz', 'Alvarez', 'Mendoza',
  'Reyes', 'Cruz', 'Aguilar', 'Medina', 'Vargas', 'Castro', 'Jimenez', 'Moreno', 'Romero', 'Herrera',
] as const;

export const GIVEN_NAMES = {
  female: ['Maria', 'Guadalupe', 'Ana', 'Rosa', 'Linh', 'Mai', 'Jennifer', 'Jessica', 'Ashley', 'Sarah', 'Emily', 'Sofia', 'Isabella', 'Camila', 'Grace', 'Mei', 'Priya', 'Aaliyah', 'Keisha', 'Dolores'],
  male: ['Jose', 'Juan', 'Luis', 'Carlos', 'Miguel', 'Minh', 'Duc', 'Michael', 'David', 'James', 'Robert', 'Daniel', 'Anthony', 'Jesus', 'Kevin', 'Wei', 'Arjun', 'Malik', 'Tyrone', 'Francisco'],
  other: ['Alex', 'Jordan', 'Taylor', 'Casey', 'Riley', 'Sam', 'Jamie', 'Avery'],
} as const;

/** City and ZIP pairs (California Central Valley and Los Angeles). */
export const PLACES = [
  ['Bakersfield', '93301'], ['Bakersfield', '93304'], ['Bakersfield', '93307'], ['Delano', '93215'], ['Ridgecrest', '93555'],
  ['Fresno', '93701'], ['Fresno', '93706'], ['Visalia', '93291'], ['Los Angeles', '90011'], ['Los Angeles', '90033'],
  ['Long Beach', '90813'], ['Sacramento', '95817'], ['Stockton', '95205'], ['Modesto', '95351'], ['Merced', '95340'],
] as const;

export const STREETS = ['Main St', 'Chester Ave', 'Union Ave', 'Niles St', 'California Ave', 'Oak St', 'Elm St', 'Olive Dr', 'Ming Ave', 'Brundage Ln'] as const;

/** BCP-47 codes with a rough Medi-Cal share (English, Spanish, Vietnamese, Chinese, Tagalog, ...). */
export const LANGUAGES = ['en', 'en', 'en', 'en', 'es', 'es', 'es', 'vi', 'zh', 'tl', 'ko', 'hy', 'ru', 'pa'] as const;

export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

/** ICD-10-CM codes: housing (Z59.*), substance use (F10-F19), mental health and chronic disease. */
export const CONDITIONS = {
  homelessness: [
    ['Z59.00', 'Homelessness, unspecified'],
    ['Z59.01', 'Sheltered homelessness'],
    ['Z59.02', 'Unsheltered homelessness'],
    ['Z59.1', 'Inadequate housing'],
    ['Z59.811', 'Housing instability, housed, with risk of homelessness'],
  ],
  substanceUse: [
    ['F10.20', 'Alcohol dependence, uncomplicated'],
    ['F11.20', 'Opioid dependence, uncomplicated'],
    ['F12.20', 'Cannabis dependence, uncomplicated'],
    ['F14.20', 'Cocaine dependence, uncomplicated'],
    ['F15.20', 'Other stimulant dependence, uncomplicated'],
    ['F19.20', 'Other psychoactive substance dependence, uncomplicated'],
  ],
  mentalHealth: [
    ['F20.9', 'Schizophrenia, unspecified'],
    ['F31.9', 'Bipolar disorder, unspecified'],
    ['F32.9', 'Major depressive disorder, single episode, unspecified'],
    ['F41.1', 'Generalized anxiety disorder'],
  ],
  chronic: [
    ['E11.9', 'Type 2 diabetes mellitus without complications'],
    ['I10', 'Essential (primary) hypertension'],
    ['J44.9', 'Chronic obstructive pulmonary disease, unspecified'],
    ['I50.9', 'Heart failure, unspecified'],
    ['N18.30', 'Chronic kidney disease, stage 3 unspecified'],
    ['J45.909', 'Unspecified asthma, uncomplicated'],
    ['E66.9', 'Obesity, unspecified'],
  ],
} as const;

export type ConditionGroup = keyof typeof CONDITIONS;

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** Observation kinds: LOINC code, display, category, UCUM unit and a plausible value range. */
export const OBSERVATIONS = [
  { code: '8867-4', display: 'Heart rate', category: 'vital-signs', unit: '/min', human: 'beats/minute', min: 55, max: 110, decimals: 0 },
  { code: '8480-6', display: 'Systolic blood pressure', category: 'vital-signs', unit: 'mm[Hg]', human: 'mmHg', min: 100, max: 175, decimals: 0 },
  { code: '29463-7', display: 'Body weight', category: 'vital-signs', unit: 'kg', human: 'kg', min: 45, max: 140, decimals: 1 },
  { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', category: 'vital-signs', unit: 'kg/m2', human: 'kg/m2', min: 17, max: 45, decimals: 1 },
  { code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', category: 'survey', unit: '{score}', human: '{score}', min: 0, max: 27, decimals: 0 },
  { code: '75626-2', display: 'Total score [AUDIT-C]', category: 'survey', unit: '{score}', human: '{score}', min: 0, max: 12, decimals: 0 },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', category: 'laboratory', unit: '%', human: '%', min: 4.8, max: 11.5, decimals: 1 },
] as const;

export const TASK_STATUSES = ['requested', 'requested', 'requested', 'accepted', 'in-progress', 'in-progress', 'completed', 'completed', 'rejected', 'cancelled', 'on-hold'] as const;

/** Referral business status (ECM referral lifecycle) matching each Task.status. */
export const REFERRAL_STATUS: Record<(typeof TASK_STATUSES)[number], string> = {
  requested: 'submitted',
  accepted: 'accepted',
  'in-progress': 'outreach-in-progress',
  completed: 'enrolled',
  rejected: 'declined-by-provider',
  cancelled: 'withdrawn',
  'on-hold': 'pending-information',
};

/** The reason the referral workflow requires with these statuses (X-GRAVITY: statusReason). */
export const TASK_STATUS_REASON: Partial<Record<(typeof TASK_STATUSES)[number], { code?: string; text: string }>> = {
  rejected: { code: 'provider-capacity', text: 'Provider at capacity' },
  cancelled: { code: 'referral-withdrawn', text: 'Referral withdrawn by the plan' },
  'on-hold': { text: 'Waiting for information from the referrer' },
};

/** Outreach medium with its outreach category (ECM codes as the demo seed uses them). */
export const OUTREACH_MEDIA = [
  ['phone', 'outreach-telephonic-electronic'],
  ['phone', 'outreach-telephonic-electronic'],
  ['in-person', 'outreach-in-person'],
] as const;
