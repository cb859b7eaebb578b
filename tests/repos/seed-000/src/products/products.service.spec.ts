import { ProductsService } from './products.service';

describe('ProductsService', () => {
  it('caps the page size at 100', async () => {
    const findMany = jest.fn().mockResolvedValue([]);
    const service = new ProductsService({ product: { findMany } } as never);

    await service.listApproved(500);

    expect(findMany).toHaveBeenCalledWith(expect.objectContaining({ take: 100 }));
  });
});
