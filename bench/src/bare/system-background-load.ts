import type { BenchUser, GatewayClient } from '../gateway-client.js';

/**
 * The saturation's users cycling through the system again, unmeasured, so that a bare server paced
 * beside it shares a machine as busy as the services' was: on an idle machine each wake-up costs
 * more (an idle core to rouse), on a saturated one less, and the comparison should not hinge on that.
 */
export function startBackgroundLoad(client: GatewayClient, users: BenchUser[]): { stop(): Promise<{ cycles: number; errors: number }> } {
  let isRunning = true;
  const counts = { cycles: 0, errors: 0 };
  const loops = users.map(async (user) => {
    while (isRunning) {
      const { outcome } = await client.runCycle(user);
      counts.cycles++;
      if (outcome === 'error') counts.errors++;
    }
  });
  return {
    async stop() {
      isRunning = false;
      await Promise.all(loops);
      return counts;
    },
  };
}
