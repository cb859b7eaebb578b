import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { PrismaService } from '../prisma.service';
import { OrchestratorService } from './orchestrator.service';

@Module({
  imports: [
    BullModule.forRoot({ connection: { url: process.env.REDIS_URL } }),
    BullModule.registerQueue({ name: 'video-jobs' }),
  ],
  providers: [OrchestratorService, PrismaService],
})
export class OrchestratorModule {}
