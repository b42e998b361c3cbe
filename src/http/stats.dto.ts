import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { DeliveryRates, ProviderStats, Stats } from '../dispatch/stats.service';

export const MAX_MINUTES = 1440;
export const MAX_RATE_HOURS = 168;

export class StatsQuery {
  @ApiPropertyOptional({
    default: 60,
    minimum: 1,
    maximum: MAX_MINUTES,
    description: 'The window of the per-minute series, latency and success rate, in minutes',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of minutes' })
  @Min(1, { message: 'must be at least 1' })
  @Max(MAX_MINUTES, { message: `must be at most ${MAX_MINUTES} (a day)` })
  minutes?: number;

  @ApiPropertyOptional({
    default: 24,
    minimum: 1,
    maximum: MAX_RATE_HOURS,
    description: 'The window of the bounce and complaint rates, in hours',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of hours' })
  @Min(1, { message: 'must be at least 1' })
  @Max(MAX_RATE_HOURS, { message: `must be at most ${MAX_RATE_HOURS} (a week)` })
  rateHours?: number;
}

class StatsWindowView {
  @ApiProperty({ description: 'Start of the first minute (ISO 8601)' }) from!: string;
  @ApiProperty({ description: 'End of the last minute, the current one' }) to!: string;
  @ApiProperty() minutes!: number;
  @ApiProperty({ example: 60 }) bucketSeconds!: number;
}

class ProviderTotalsView {
  @ApiProperty() sent!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() failovers!: number;
  @ApiProperty({ description: 'Passed over without a call (open circuit, stuck, saturated)' })
  skipped!: number;
}

class LatencyView {
  @ApiProperty() p50!: number;
  @ApiProperty() p95!: number;
  @ApiProperty({ description: 'Calls measured (skips excluded)' }) calls!: number;
}

class ProviderStatsView implements ProviderStats {
  @ApiProperty() id!: string;
  @ApiProperty({
    type: [Number],
    description: 'Attempts the provider accepted, per minute (index 0: the minute at window.from)',
  })
  sent!: number[];
  @ApiProperty({
    type: [Number],
    description: 'Calls that failed (retryable, provider, permanent, ambiguous), per minute',
  })
  failed!: number[];
  @ApiProperty({
    type: [Number],
    description: 'Failed calls after which the round called another provider, per minute',
  })
  failovers!: number[];
  @ApiProperty({ type: ProviderTotalsView }) totals!: ProviderTotalsView;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'sent / (sent + failed); null with no call',
  })
  successRate!: number | null;
  @ApiProperty({
    nullable: true,
    type: LatencyView,
    description: 'Nearest-rank percentiles of call durations (ms); null with no call',
  })
  latencyMs!: LatencyView | null;
}

class RateWarningsView {
  @ApiProperty({ example: 0.05 }) bounceRate!: number;
  @ApiProperty({ example: 0.001 }) complaintRate!: number;
}

class DeliveryRatesView implements DeliveryRates {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() hours!: number;
  @ApiProperty({ description: 'Attempts the providers accepted' }) sent!: number;
  @ApiProperty({ description: 'delivered events' }) delivered!: number;
  @ApiProperty({ description: 'bounced events, hard and soft' }) bounced!: number;
  @ApiProperty({ description: 'complained events' }) complained!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'bounced / sent; null when none was sent',
  })
  bounceRate!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'complained / sent' })
  complaintRate!: number | null;
  @ApiProperty({ type: RateWarningsView, description: 'The usual warning lines' })
  warnings!: RateWarningsView;
}

export class StatsView implements Stats {
  @ApiProperty({ type: StatsWindowView }) window!: StatsWindowView;
  @ApiProperty({
    type: [ProviderStatsView],
    description: 'Every configured provider in routing order, then others found in the store',
  })
  providers!: ProviderStatsView[];
  @ApiProperty({ type: DeliveryRatesView }) rates!: DeliveryRatesView;
}
