import {
  ALL_PRODUCTS_CUTOFF_AT,
  GENERAL_COUPON_EXCLUDED_COMMODITY_CODES,
  GENERAL_COUPON_EXCLUDED_PRODUCT_CODES,
  NEVER_RETURNED_PRODUCT_CODES,
  REFERENCE_CATALOG,
  isNeverReturnedProduct,
} from '../../../domain';

const SEED_PRODUCT_CODES =
  'oplus domain trademark companyreg cdn ens snsu dysms dyvms aiccs dypls dypns dytns aliyundvs cams xgip dycdps aliosthings cd iotedge citylink farmlink iiot oceanbase retailadvqa man'.split(
    ' ',
  );
const SEED_COMMODITY_CODES =
  'hardware_mpdprint hardware_mpdmeeting hardware_mpdattendance hardware_mpdcommunication gws_hardwarens01_public_cn gws_hardwareas05_public_cn gws_hardware_public_cn sgcmgj00035763'.split(
    ' ',
  );

describe('catalog (exclusion tables as data)', () => {
  it('seed 002 §Excluded products by product code: exactly the 26 listed codes', () => {
    expect(Object.keys(GENERAL_COUPON_EXCLUDED_PRODUCT_CODES).sort()).toEqual(
      [...SEED_PRODUCT_CODES].sort(),
    );
  });

  it('seed 002 §Excluded products by commodity code: exactly the 8 listed codes', () => {
    expect(Object.keys(GENERAL_COUPON_EXCLUDED_COMMODITY_CODES).sort()).toEqual(
      [...SEED_COMMODITY_CODES].sort(),
    );
  });

  it('seed 002 §Scope (2023-06-08): the cutoff is 2023-06-08T00:00:00Z (UTC)', () => {
    expect(ALL_PRODUCTS_CUTOFF_AT).toBe('2023-06-08T00:00:00Z');
  });

  it('seed 002 §Returns: domains and virtual hosts are never-returned products', () => {
    expect(Object.keys(NEVER_RETURNED_PRODUCT_CODES).sort()).toEqual(['domain', 'virtualhost']);
    expect(isNeverReturnedProduct('ecs')).toBe(false);
  });

  it('seed 002 §Excluded products: REFERENCE_CATALOG holds every excluded code, ordinary products, a marketplace third-party product and a physical good', () => {
    const products = new Set(REFERENCE_CATALOG.map((p) => p.productCode));
    const commodities = REFERENCE_CATALOG.map((p) => p.commodityCode);
    for (const code of SEED_PRODUCT_CODES) expect(products).toContain(code);
    for (const code of SEED_COMMODITY_CODES) expect(commodities).toContain(code);
    for (const code of ['ecs', 'oss', 'rds', 'slb', 'mns', 'virtualhost'])
      expect(products).toContain(code);
    expect(REFERENCE_CATALOG.some((p) => p.channel === 'marketplace' && p.thirdParty)).toBe(true);
    expect(REFERENCE_CATALOG.some((p) => p.physicalGood)).toBe(true);
    // The database keys products by commodity code.
    expect(new Set(commodities).size).toBe(commodities.length);
  });
});
