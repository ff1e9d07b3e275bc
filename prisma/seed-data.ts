import { REFERENCE_CATALOG, isNeverReturnedProduct } from '../domain/catalog';
import type { Database } from '../activities/database';

/** Loads the reference product catalog; safe to run on every start. */
export async function seedReferenceData(db: Database): Promise<{ products: number }> {
  for (const product of REFERENCE_CATALOG) {
    const row = {
      productCode: product.productCode,
      name: product.name,
      channel: product.channel,
      physicalGood: product.physicalGood,
      thirdParty: product.thirdParty,
      couponsNeverReturned: isNeverReturnedProduct(product.productCode),
    };
    await db.product.upsert({
      where: { commodityCode: product.commodityCode },
      create: { commodityCode: product.commodityCode, ...row },
      update: row,
    });
  }
  return { products: REFERENCE_CATALOG.length };
}
