import { mulberry32 } from "./random";

/** Any endpoint's fault settings (faults.create, faults.status, faults.payouts): its own modes, "none" among them. */
interface Fault<Mode extends string> {
  mode: Mode | "none";
  rate: number;
  count: number | null;
}

/** Decides, reproducibly for a given seed, which calls and deliveries a fault hits. */
export class FaultDice {
  private random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.random = mulberry32(seed);
  }

  /** Draws from the PRNG only for rates strictly between 0 and 1, so rate 0 and 1 never shift the sequence. */
  roll(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    return this.random() < rate;
  }

  /** The fault this call suffers ("none" if spared). Consumes `count`; at 0 the fault switches itself off. */
  forEndpoint<Mode extends string>(fault: Fault<Mode>): Mode | "none" {
    if (fault.mode === "none" || fault.count === 0) return "none";
    if (!this.roll(fault.rate)) return "none";
    const mode = fault.mode;
    if (fault.count !== null) {
      fault.count -= 1;
      if (fault.count === 0) {
        fault.mode = "none";
        fault.count = null;
      }
    }
    return mode;
  }
}
