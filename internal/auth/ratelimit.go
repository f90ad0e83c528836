package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// failureLimiter counts failed logins per key (an account's email, a client
// address). Only failures keep their token, so a person who types the
// right password is never slowed down, while guessing stops after the
// burst until tokens come back.
type failureLimiter struct {
	every time.Duration
	burst int

	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	lastUsed  map[string]time.Time
	lastSweep time.Time
}

func newFailureLimiter(every time.Duration, burst int) *failureLimiter {
	return &failureLimiter{every: every, burst: burst,
		limiters: map[string]*rate.Limiter{}, lastUsed: map[string]time.Time{}}
}

// attempt takes one try of key at time now, or reports that none is left.
// The try is taken before the password is checked, so that parallel
// guesses cannot all slip through; a successful login gives it back with
// refund: only failures count.
func (l *failureLimiter) attempt(key string, now time.Time) (refund func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetIdle(now)
	lim, found := l.limiters[key]
	if !found {
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.limiters[key] = lim
	}
	l.lastUsed[key] = now
	r := lim.ReserveN(now, 1)
	if r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return nil, false
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		r.CancelAt(now)
	}, true
}

// forgetIdle drops keys whose tokens have all come back, so the maps do
// not grow with every address that ever tried.
func (l *failureLimiter) forgetIdle(now time.Time) {
	full := l.every * time.Duration(l.burst)
	if now.Sub(l.lastSweep) < full {
		return
	}
	l.lastSweep = now
	for key, last := range l.lastUsed {
		if now.Sub(last) > full {
			delete(l.limiters, key)
			delete(l.lastUsed, key)
		}
	}
}
