/**
 * Every route module of the API. A new business area (orders, bills, coupons)
 * adds one file beside these and one line here.
 */
import { accountRoutes } from './accounts';
import { billRoutes } from './bills';
import { couponRoutes } from './coupons';
import { orderRoutes } from './orders';
import { organizationRoutes } from './organizations';
import { trialUpgradeRoutes } from './trial-upgrade';
import type { ApiRouteModule } from './types';

export const API_ROUTES: readonly ApiRouteModule[] = [
  trialUpgradeRoutes,
  accountRoutes,
  orderRoutes,
  billRoutes,
  couponRoutes,
  organizationRoutes,
];
