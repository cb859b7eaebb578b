import { Injectable } from '@nestjs/common';
import { Product } from '@prisma/client';
import { PrismaService } from '../prisma.service';

@Injectable()
export class ProductsService {
  constructor(private readonly prisma: PrismaService) {}

  listApproved(limit: number, category?: string): Promise<Product[]> {
    return this.prisma.product.findMany({
      where: { status: 'APPROVED', ...(category ? { category } : {}) },
      orderBy: { score: 'desc' },
      take: Math.min(limit, 100),
    });
  }
}
