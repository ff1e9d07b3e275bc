/**
 * Every command module of the CLI. A new business area (orders, bills, coupons)
 * adds one file beside these and one line here.
 */
import { accountCommands } from './accounts';
import { billCommands } from './bills';
import { couponCommands } from './coupons';
import { orderCommands } from './orders';
import { trialUpgradeCommands } from './trial-upgrade';
import type { CliModule } from './types';

export const CLI_COMMANDS: readonly CliModule[] = [
  trialUpgradeCommands,
  accountCommands,
  orderCommands,
  billCommands,
  couponCommands,
];
