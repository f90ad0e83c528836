// Package ratelimit limits how often each key (a client address, an
// account) may try something: a burst, then one more every period. It
// backs the login attempts and the membership applications, which need no
// account and so are what a script would hammer.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a rate limit per key. It is safe for concurrent use.
type Keyed struct {
	every time.Duration
	burst int

	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	lastSweep time.Time
}

// New returns a limit letting each key try burst times, then once more
// every period.
func New(every time.Duration, burst int) *Keyed {
	return &Keyed{every: every, burst: burst, limiters: map[string]*rate.Limiter{}}
}

// Take takes one try of key at now, or reports that none is left. The try
// is taken before the attempt, so that parallel attempts cannot all slip
// through; giveBack returns it when the attempt does not count (a login
// that succeeded, an application that was not stored).
func (k *Keyed) Take(key string, now time.Time) (giveBack func(), ok bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweep(now)
	lim, found := k.limiters[key]
	if !found {
		lim = rate.NewLimiter(rate.Every(k.every), k.burst)
		k.limiters[key] = lim
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return func() { r.CancelAt(now) }, true
}

// sweep forgets, once a period at most, the keys whose allowance is whole
// again: a fresh limiter would say the same, and the map does not grow
// with every key that ever tried.
func (k *Keyed) sweep(now time.Time) {
	if now.Sub(k.lastSweep) < k.every {
		return
	}
	k.lastSweep = now
	for key, lim := range k.limiters {
		if lim.TokensAt(now) >= float64(k.burst) {
			delete(k.limiters, key)
		}
	}
}

// AddressKey is the key a client address counts under: IPv6 addresses by
// their /64 network, which one subscriber usually holds whole.
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// Try is one key of one limit.
type Try struct {
	Limit *Keyed
	Key   string
}

// TakeAll takes a try of every key, or none: when one limit refuses, the
// tries taken from the others are given back. giveBack returns them all.
func TakeAll(now time.Time, tries ...Try) (giveBack func(), ok bool) {
	var taken []func()
	giveBack = func() {
		for _, g := range taken {
			g()
		}
	}
	for _, t := range tries {
		g, ok := t.Limit.Take(t.Key, now)
		if !ok {
			giveBack()
			return nil, false
		}
		taken = append(taken, g)
	}
	return giveBack, true
}
