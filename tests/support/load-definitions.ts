import { loadR4Definitions } from '../../src/fhir/validation/definitions.ts';

// Once per test worker (STACK-NOTES.md: ~1.3 s), not once per test.
loadR4Definitions();
