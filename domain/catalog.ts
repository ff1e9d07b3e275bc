/**
 * Products and the exclusion tables of seed 002, kept as data (one module).
 * Eligibility reads these tables; it holds no product-specific `if`s.
 */
import type { IsoInstant } from './time';

export type Channel = 'official' | 'marketplace';

export interface Product {
  productCode: string;
  /** Sellable item within a product; some exclusions are by commodity code. */
  commodityCode: string;
  channel: Channel;
  /** Hardware devices and accessories (seed 002 §excluded: physical goods). */
  physicalGood: boolean;
  /** Sold by a third party (relevant on the marketplace). */
  thirdParty: boolean;
  name: string;
}

/** seed 002 §Products excluded from general coupons, by product code. */
export const GENERAL_COUPON_EXCLUDED_PRODUCT_CODES: Readonly<Record<string, string>> = {
  oplus: 'New Retail Data Service',
  domain: 'Domains',
  trademark: 'Trademark',
  companyreg: 'Business and Tax Services',
  cdn: 'CDN',
  ens: 'Edge Node Service',
  snsu: 'Edge Network Acceleration',
  dysms: 'Short Message Service',
  dyvms: 'Voice Service',
  aiccs: 'Artificial Intelligence Cloud Call Service',
  dypls: 'Phone Number Protection',
  dypns: 'Phone Number Verification Service',
  dytns: 'Mobile Number Service',
  aliyundvs: 'Data Voice Service',
  cams: 'ChatAPP Message',
  xgip: '5G Interconnection Platform',
  dycdps: 'Cellular Data Package',
  aliosthings: 'AliOS Things',
  cd: 'Cloud Display',
  iotedge: 'IoT Edge',
  citylink: 'CityLink',
  farmlink: 'farmlink',
  iiot: 'Industrial IoT Platform',
  oceanbase: 'ApsaraDB for OceanBase',
  retailadvqa: 'Quick Audience',
  man: 'Quick Tracking',
};

/** seed 002 §Products excluded from general coupons, by commodity code. */
export const GENERAL_COUPON_EXCLUDED_COMMODITY_CODES: Readonly<Record<string, string>> = {
  hardware_mpdprint: 'DingTalk Smart Print',
  hardware_mpdmeeting: 'DingTalk Smart Meeting',
  hardware_mpdattendance: 'DingTalk Smart Attendance',
  hardware_mpdcommunication: 'DingTalk Smart Communication',
  gws_hardwarens01_public_cn: 'Wuying Notebook NS01',
  gws_hardwareas05_public_cn: 'Wuying Magic Cube AS05',
  gws_hardware_public_cn: 'Wuying Hardware Terminal',
  sgcmgj00035763: 'TiDB Cloud',
};

/**
 * seed 002 §Scope (Important box): from 2023-06-08, "all products" coupons no longer
 * pay Voice Service, SMS or MNS. The document names no timezone; the engine keeps
 * every instant in UTC, so the cutoff is 2023-06-08T00:00:00Z (inclusive).
 */
export const ALL_PRODUCTS_CUTOFF_AT: IsoInstant = '2023-06-08T00:00:00Z';
export const ALL_PRODUCTS_EXCLUDED_FROM_CUTOFF: Readonly<Record<string, string>> = {
  dyvms: 'Voice Service',
  dysms: 'Short Message Service',
  mns: 'Lightweight Message Queue (MNS)',
};

/**
 * seed 002 §Returns (special products): coupons used for domains and virtual hosts
 * are never returned, even when order or resource creation fails.
 */
export const NEVER_RETURNED_PRODUCT_CODES: Readonly<Record<string, string>> = {
  domain: 'Domains',
  virtualhost: 'Virtual Host',
};

const has = (table: Readonly<Record<string, string>>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(table, key);

export const isExcludedProductCode = (code: string): boolean =>
  has(GENERAL_COUPON_EXCLUDED_PRODUCT_CODES, code);
export const isExcludedCommodityCode = (code: string): boolean =>
  has(GENERAL_COUPON_EXCLUDED_COMMODITY_CODES, code);
export const isExcludedFromAllProductsAfterCutoff = (code: string): boolean =>
  has(ALL_PRODUCTS_EXCLUDED_FROM_CUTOFF, code);
export const isNeverReturnedProduct = (code: string): boolean =>
  has(NEVER_RETURNED_PRODUCT_CODES, code);

const official = (productCode: string, name: string, commodityCode = productCode): Product => ({
  productCode,
  commodityCode,
  channel: 'official',
  physicalGood: false,
  thirdParty: false,
  name,
});

/**
 * Reference catalog the database seed loads: every excluded product and commodity
 * code above, plus ordinary products, a third-party marketplace product and a
 * physical good. Commodity-code exclusions sit under their own product codes.
 */
export const REFERENCE_CATALOG: readonly Product[] = [
  ...Object.entries(GENERAL_COUPON_EXCLUDED_PRODUCT_CODES).map(([code, name]) =>
    official(code, name),
  ),
  official('dingtalk_hw', 'DingTalk Smart Print', 'hardware_mpdprint'),
  official('dingtalk_hw', 'DingTalk Smart Meeting', 'hardware_mpdmeeting'),
  official('dingtalk_hw', 'DingTalk Smart Attendance', 'hardware_mpdattendance'),
  official('dingtalk_hw', 'DingTalk Smart Communication', 'hardware_mpdcommunication'),
  official('gws', 'Wuying Notebook NS01', 'gws_hardwarens01_public_cn'),
  official('gws', 'Wuying Magic Cube AS05', 'gws_hardwareas05_public_cn'),
  official('gws', 'Wuying Hardware Terminal', 'gws_hardware_public_cn'),
  {
    productCode: 'tidbcloud',
    commodityCode: 'sgcmgj00035763',
    channel: 'marketplace',
    physicalGood: false,
    thirdParty: false,
    name: 'TiDB Cloud',
  },
  official('ecs', 'Elastic Compute Service'),
  official('oss', 'Object Storage Service'),
  official('rds', 'ApsaraDB RDS'),
  official('slb', 'Server Load Balancer'),
  official('mns', 'Lightweight Message Queue (MNS)'),
  official('virtualhost', 'Virtual Host'),
  {
    productCode: 'mkt_wordpress',
    commodityCode: 'mkt_wordpress_image',
    channel: 'marketplace',
    physicalGood: false,
    thirdParty: true,
    name: 'WordPress image (third-party, marketplace)',
  },
  {
    productCode: 'mkt_selfhosted',
    commodityCode: 'mkt_selfhosted_backup',
    channel: 'marketplace',
    physicalGood: false,
    thirdParty: false,
    name: 'Backup appliance image (provider-run, marketplace)',
  },
  {
    productCode: 'hardware',
    commodityCode: 'hardware_server_rack',
    channel: 'official',
    physicalGood: true,
    thirdParty: false,
    name: 'Server rack hardware (physical good)',
  },
];

/** Lookup by commodity code (unique in the reference catalog). */
export function findReferenceProduct(commodityCode: string): Product | undefined {
  return REFERENCE_CATALOG.find((p) => p.commodityCode === commodityCode);
}
