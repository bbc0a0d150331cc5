import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/** A GetMetricData request as the fake received it (AWS JSON 1.0 body). */
export interface FakeGetMetricData {
  readonly target: string;
  readonly body: {
    MetricDataQueries: {
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      Period?: number;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
        Period: number;
        Stat: string;
      };
    }[];
    StartTime: number;
    EndTime: number;
    ScanBy?: string;
    NextToken?: string;
  };
}

/**
 * A fake CloudWatch at the SDK boundary: a custom request handler answering GetMetricData in the AWS JSON 1.0
 * protocol the SDK uses for CloudWatch (`X-Amz-Target: GraniteServiceVersion20100801.GetMetricData`), with the
 * response shape of the GetMetricData API reference. Results are what the test puts in `results` by query id.
 */
export class FakeCloudWatch {
  readonly requests: FakeGetMetricData[] = [];
  /** Values per returned query id; timestamps are made one period apart. */
  results: Record<string, number[]> = {};
  /** Split the answer over two pages (NextToken) to exercise pagination. */
  paginate = false;
  failWith: { type: string; message: string; status: number } | undefined;

  client(config: { region: string; endpoint?: string } = { region: 'eu-west-1' }): CloudWatchClient {
    return new CloudWatchClient({
      ...config,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: { headers: Record<string, string>; body?: unknown }) => ({
          response: this.#respond(request.headers['x-amz-target'] ?? '', String(request.body ?? '')),
        }),
      },
    });
  }

  #respond(target: string, text: string) {
    const body = JSON.parse(text) as FakeGetMetricData['body'];
    this.requests.push({ target, body });
    const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => ({
      statusCode: status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1', ...headers },
      body: new TextEncoder().encode(JSON.stringify(json)),
    });
    if (this.failWith) {
      return reply(
        this.failWith.status,
        { __type: `com.amazonaws.cloudwatch#${this.failWith.type}`, message: this.failWith.message },
        { 'x-amzn-query-error': `${this.failWith.type};Sender` },
      );
    }
    const returned = body.MetricDataQueries.filter((q) => q.ReturnData !== false);
    const page = this.paginate && body.NextToken === undefined ? 0 : this.paginate ? 1 : undefined;
    return reply(200, {
      MetricDataResults: returned.map((q) => {
        const all = this.results[q.Id] ?? [];
        const half = Math.ceil(all.length / 2);
        const values = page === 0 ? all.slice(0, half) : page === 1 ? all.slice(half) : all;
        const period = q.MetricStat?.Period ?? q.Period ?? 60;
        return {
          Id: q.Id,
          Label: q.Id,
          Timestamps: values.map((_, i) => body.StartTime + (i + 1) * period),
          Values: values,
          StatusCode: page === 0 ? 'PartialData' : 'Complete',
        };
      }),
      Messages: [],
      ...(page === 0 ? { NextToken: 'page-2' } : {}),
    });
  }
}
