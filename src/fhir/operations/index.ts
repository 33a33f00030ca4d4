import { ecmAssignOperation } from '../../ecm/assignment/ecm-assign-operation.ts';
import { ecmMemberListOperation } from '../../ecm/assignment/ecm-member-list-operation.ts';
import { ecmAcknowledgeOperation } from '../../ecm/authorization/ecm-acknowledge-operation.ts';
import { ecmDecideOperation } from '../../ecm/authorization/ecm-decide-operation.ts';
import { ecmClrMetricsOperation } from '../../ecm/clr-reports/ecm-clr-metrics-operation.ts';
import { ecmRtfExportOperation } from '../../ecm/clr-reports/ecm-rtf-export-operation.ts';
import { ecmRtfImportOperation } from '../../ecm/clr-reports/ecm-rtf-import-operation.ts';
import { ecmClrEscalateOperation } from '../../ecm/referral-escalation/ecm-clr-escalate-operation.ts';
import { ecmMoveListOperation } from '../../ecm/referral-escalation/ecm-move-list-operation.ts';
import { ecmEligibilityOperation } from '../../ecm/eligibility/ecm-eligibility-operation.ts';
import { ecmEligibilityPopulationOperation } from '../../ecm/population/ecm-eligibility-population-operation.ts';
import { ecmEligibilityStatusOperation } from '../../ecm/population/ecm-eligibility-status-operation.ts';
import { expandOperation } from './expand.ts';
import { lookupOperation } from './lookup.ts';
import type { Operation } from './operation.ts';
import { reindexOperation } from './reindex.ts';
import { validateCodeOperation } from './validate-code.ts';
import { validateOperation } from './validate.ts';
import { subscriptionStatusOperation } from '../../subscriptions/status-operation.ts';
import { getWsBindingTokenOperation } from '../../subscriptions/ws-binding-token-operation.ts';

/** Every operation the server offers; each module adds its own line here. */
export function allOperations(): Operation[] {
  return [
    validateOperation,
    expandOperation,
    validateCodeOperation,
    lookupOperation,
    reindexOperation,
    ecmEligibilityOperation,
    ecmEligibilityPopulationOperation,
    ecmEligibilityStatusOperation,
    ecmDecideOperation,
    ecmAcknowledgeOperation,
    ecmAssignOperation,
    ecmMemberListOperation,
    ecmClrMetricsOperation,
    ecmRtfExportOperation,
    ecmRtfImportOperation,
    ecmClrEscalateOperation,
    ecmMoveListOperation,
    subscriptionStatusOperation,
    getWsBindingTokenOperation,
  ];
}
