package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// failureLimiter counts failed logins per key (an account's email, a client
// address). Only failures spend tokens, so a person who types the right
// password is never slowed down, while guessing stops after the burst until
// tokens come back.
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

// blocked reports whether key has no failure left at time now.
func (l *failureLimiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.limiters[key]
	return ok && lim.TokensAt(now) < 1
}

// fail spends one failure of key.
func (l *failureLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetIdle(now)
	lim, ok := l.limiters[key]
	if !ok {
		lim = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.limiters[key] = lim
	}
	lim.AllowN(now, 1)
	l.lastUsed[key] = now
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
