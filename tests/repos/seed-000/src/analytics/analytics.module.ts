import { Controller, Get, Module } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('summary')
  async summary() {
    const [clicks, revenue] = await Promise.all([
      this.prisma.affiliateClick.count(),
      this.prisma.dailyRevenue.aggregate({ _sum: { revenueCents: true, orders: true } }),
    ]);
    return { clicks, orders: revenue._sum.orders ?? 0, revenueCents: revenue._sum.revenueCents ?? 0 };
  }
}

@Module({ controllers: [AnalyticsController], providers: [PrismaService] })
export class AnalyticsModule {}
