import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Queue } from 'bullmq';
import { PrismaService } from '../prisma.service';

@Injectable()
export class OrchestratorService {
  private readonly logger = new Logger(OrchestratorService.name);

  constructor(
    private readonly prisma: PrismaService,
    @InjectQueue('video-jobs') private readonly queue: Queue,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async scheduleVideos() {
    const products = await this.prisma.product.findMany({
      where: { status: 'APPROVED', videoJobs: { none: { status: { in: ['QUEUED', 'GENERATING'] } } } },
      orderBy: { score: 'desc' },
      take: 5,
    });
    for (const product of products) {
      const job = await this.prisma.videoJob.create({ data: { productId: product.id, channel: 'YOUTUBE' } });
      await this.queue.add('generate', { videoJobId: job.id }, { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } });
    }
    this.logger.log(`Scheduled ${products.length} video jobs`);
  }
}
