/** Requests received per PayRam endpoint and per reference, so tests can count how often the shop asks. */
export class Stats {
  private total = 0;
  private byEndpoint: Record<string, number> = {};
  private byReference: Record<string, Record<string, number>> = {};
  private createsByCustomer: Record<string, number> = {};

  record(endpoint: string, referenceId?: string): void {
    this.total++;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
    if (referenceId) {
      const counts = (this.byReference[referenceId] ??= {});
      counts[endpoint] = (counts[endpoint] ?? 0) + 1;
    }
  }

  recordCreate(customerId: string): void {
    this.createsByCustomer[customerId] = (this.createsByCustomer[customerId] ?? 0) + 1;
  }

  snapshot() {
    return {
      total: this.total,
      byEndpoint: { ...this.byEndpoint },
      byReference: structuredClone(this.byReference),
      createsByCustomer: { ...this.createsByCustomer },
    };
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint = {};
    this.byReference = {};
    this.createsByCustomer = {};
  }
}
