/** The throttling proxy the chaos suite puts in front of its S3 server (503 SlowDown), for tests. */
export { startThrottleProxy, type ThrottleProxy } from '../../src/chaos/s3-throttle';
