package ratelimit

import (
	"testing"
	"time"
)

func TestKeyed(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	k := New(time.Minute, 3)
	for i := range 3 {
		if _, ok := k.Take("a", now); !ok {
			t.Fatalf("try %d of the burst refused", i+1)
		}
	}
	if _, ok := k.Take("a", now); ok {
		t.Fatal("a fourth try at once was let through")
	}
	if _, ok := k.Take("b", now); !ok {
		t.Fatal("another key was refused")
	}
	if _, ok := k.Take("a", now.Add(time.Minute)); !ok {
		t.Fatal("the try that came back after a period was refused")
	}

	// A try given back does not count.
	for range 10 {
		giveBack, ok := k.Take("c", now)
		if !ok {
			t.Fatal("tries given back were counted")
		}
		giveBack()
	}

	// Keys whose allowance is whole again are forgotten.
	later := now.Add(time.Hour)
	if _, ok := k.Take("d", later); !ok {
		t.Fatal("a new key was refused")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.limiters) != 1 {
		t.Errorf("%d keys remembered, want 1", len(k.limiters))
	}
}

func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.9":          "203.0.113.9",
		"::ffff:203.0.113.9":   "203.0.113.9",
		"2001:db8:1:2::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := AddressKey(addr); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", addr, got, want)
		}
	}
}
