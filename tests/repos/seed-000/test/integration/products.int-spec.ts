import { Test } from '@nestjs/testing';
import { PrismaClient } from '@prisma/client';
import { ProductsService } from '../../src/products/products.service';
import { PrismaService } from '../../src/prisma.service';

describe('ProductsService (integration)', () => {
  let service: ProductsService;
  const prisma = new PrismaClient();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [ProductsService, PrismaService],
    }).compile();
    service = moduleRef.get(ProductsService);
  });

  beforeEach(async () => {
    await prisma.product.deleteMany();
  });

  afterAll(async () => {
    await prisma.$disconnect();
  });

  it('returns approved products ordered by score', async () => {
    await prisma.product.createMany({
      data: [
        { asin: 'B0TEST0001', title: 'Desk lamp', category: 'home', priceCents: 2999, commissionRate: 0.04, affiliateUrl: 'https://example.com/1', score: 0.4, status: 'APPROVED' },
        { asin: 'B0TEST0002', title: 'Headphones', category: 'electronics', priceCents: 8999, commissionRate: 0.03, affiliateUrl: 'https://example.com/2', score: 0.9, status: 'APPROVED' },
        { asin: 'B0TEST0003', title: 'Yoga mat', category: 'fitness', priceCents: 1999, commissionRate: 0.05, affiliateUrl: 'https://example.com/3', score: 0.7, status: 'REJECTED' },
      ],
    });

    const products = await service.listApproved(10);

    expect(products.map((p) => p.asin)).toEqual(['B0TEST0002', 'B0TEST0001']);
  });
});
