import { benchChecks } from './checks';
import { mixedStream } from './stream';
(async () => {
  for (const g of [0, 0.5]) {
    const t = await benchChecks(mixedStream(4096, 42, g), 800);
    console.log(g, (t.applyStatus / t.canTransition).toFixed(2), t.applyStatus.toFixed(1), t.canTransition.toFixed(1), (t.checkTransition/t.canTransition).toFixed(2));
  }
})();
