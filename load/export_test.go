package load

import "time"

// SetLeaseTiming changes the lease fallback's timing for a test and returns
// a function that restores it.
func SetLeaseTiming(ttl, renew time.Duration) (restore func()) {
	oldTTL, oldRenew := leaseTTL, leaseRenew
	leaseTTL, leaseRenew = ttl, renew
	return func() { leaseTTL, leaseRenew = oldTTL, oldRenew }
}
