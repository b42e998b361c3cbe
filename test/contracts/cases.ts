import type { ProviderContractCase } from './provider-contract';
import { sandboxCase } from './cases/sandbox.case';

/** Every provider type's contract case. Each vendor adds its own line. */
export const CASES: ProviderContractCase[] = [sandboxCase];
