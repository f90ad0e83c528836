package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"communs/ent"
	"communs/ent/notification"
	"communs/internal/store"
	"communs/internal/store/storetest"
	"communs/internal/viewer"
)

// fakeClock is the sender's clock in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	// Ahead of the real clock, which stamps enqueued messages: they are due.
	return &fakeClock{t: time.Now().UTC().Add(time.Hour).Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type sentMail struct{ to, subject, body string }

// fakeTransport records what it sends; fail, when set, decides whether the
// n-th try (from 1) to send to a recipient fails.
type fakeTransport struct {
	mu    sync.Mutex
	sent  []sentMail
	tries map[string]int
	fail  func(to string, try int) error
	delay time.Duration
}

func (f *fakeTransport) Send(ctx context.Context, to, subject, body string) error {
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tries == nil {
		f.tries = map[string]int{}
	}
	f.tries[to]++
	if f.fail != nil {
		if err := f.fail(to, f.tries[to]); err != nil {
			return err
		}
	}
	f.sent = append(f.sent, sentMail{to, subject, body})
	return nil
}

func (f *fakeTransport) Sent() []sentMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMail(nil), f.sent...)
}

func (f *fakeTransport) Tries(to string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tries[to]
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newTestSender(t *testing.T, client *ent.Client, tr Transport, clock *fakeClock) *Sender {
	s := NewSender(client, tr, testLogger(t))
	if clock != nil {
		s.now = clock.Now
	}
	return s
}

func enqueue(t *testing.T, client *ent.Client, to, subject, body string) {
	t.Helper()
	err := Enqueue(viewer.SystemContext(t.Context()), client, Message{
		Kind: notification.KindDECLARATION_DUE, Recipient: to, Subject: subject, Body: body,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func notifications(t *testing.T, client *ent.Client) []*ent.Notification {
	t.Helper()
	ns, err := client.Notification.Query().Order(notification.ByRecipient()).All(viewer.SystemContext(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func recipient(i int) string { return fmt.Sprintf("membre%02d@adapei.example", i) }

func TestSendDueSendsEachMessageOnce(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	tr := &fakeTransport{}
	clock := newFakeClock()
	s := newTestSender(t, client, tr, clock)
	s.batchSize = 2 // several batches

	const n = 5
	for i := range n {
		enqueue(t, client, recipient(i), fmt.Sprintf("Fiche déclarative n°%d", i), "Bonjour,\nVotre fiche est à compléter.")
	}

	// Anonymous: the sender acts as the system on its own.
	sent, failed, err := s.SendDue(t.Context())
	if err != nil || sent != n || failed != 0 {
		t.Fatalf("SendDue: sent %d, failed %d, %v; want %d, 0, nil", sent, failed, err, n)
	}
	got := tr.Sent()
	if len(got) != n {
		t.Fatalf("the transport sent %d messages, want %d", len(got), n)
	}
	for i, m := range got { // oldest first
		if m.to != recipient(i) || m.subject != fmt.Sprintf("Fiche déclarative n°%d", i) ||
			m.body != "Bonjour,\nVotre fiche est à compléter." {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	for _, row := range notifications(t, client) {
		if row.Status != notification.StatusSENT || row.SentAt == nil || !row.SentAt.Equal(clock.Now()) ||
			row.Attempts != 0 || row.LastError != nil {
			t.Errorf("%s: status %s, sent at %v, attempts %d, last error %v",
				row.Recipient, row.Status, row.SentAt, row.Attempts, row.LastError)
		}
	}

	// Nothing is sent again, now or later.
	clock.Advance(48 * time.Hour)
	if sent, failed, err := s.SendDue(t.Context()); sent != 0 || failed != 0 || err != nil {
		t.Errorf("second pass: sent %d, failed %d, %v", sent, failed, err)
	}
	if len(tr.Sent()) != n {
		t.Errorf("the transport sent %d messages, want %d", len(tr.Sent()), n)
	}
}

func TestSendDueRetriesWithBackoffThenFails(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	tr := &fakeTransport{fail: func(string, int) error { return errors.New("550 mailbox unavailable") }}
	clock := newFakeClock()
	s := newTestSender(t, client, tr, clock)
	enqueue(t, client, "dpo@adapei.example", "Invitation", "Bonjour")

	waits := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour}
	for attempt := 1; attempt <= 6; attempt++ {
		sent, failed, err := s.SendDue(t.Context())
		if err != nil || sent != 0 || failed != 1 {
			t.Fatalf("attempt %d: sent %d, failed %d, %v; want 0, 1, nil", attempt, sent, failed, err)
		}
		row := notifications(t, client)[0]
		if row.Attempts != attempt || row.LastError == nil || !strings.Contains(*row.LastError, "550 mailbox unavailable") {
			t.Fatalf("attempt %d: attempts %d, last error %v", attempt, row.Attempts, row.LastError)
		}
		if attempt == 6 {
			if row.Status != notification.StatusFAILED || row.SentAt != nil {
				t.Fatalf("after the last attempt: status %s, sent at %v", row.Status, row.SentAt)
			}
			break
		}
		wait := waits[attempt-1]
		if row.Status != notification.StatusPENDING || !row.NextAttemptAt.Equal(clock.Now().Add(wait)) {
			t.Fatalf("attempt %d: status %s, next attempt %v, want PENDING at now + %v",
				attempt, row.Status, row.NextAttemptAt, wait)
		}
		// Not before its time...
		clock.Advance(wait - time.Second)
		if sent, failed, err := s.SendDue(t.Context()); sent != 0 || failed != 0 || err != nil {
			t.Fatalf("before the retry time: sent %d, failed %d, %v", sent, failed, err)
		}
		// ...but then.
		clock.Advance(time.Second)
	}

	// A FAILED message stays, and is not tried again.
	clock.Advance(7 * 24 * time.Hour)
	if sent, failed, err := s.SendDue(t.Context()); sent != 0 || failed != 0 || err != nil {
		t.Errorf("after FAILED: sent %d, failed %d, %v", sent, failed, err)
	}
	if n := tr.Tries("dpo@adapei.example"); n != 6 {
		t.Errorf("%d tries, want 6", n)
	}
}

func TestSendDueRecoversAfterFailures(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	tr := &fakeTransport{fail: func(to string, try int) error {
		switch {
		case to != "dpo@adapei.example":
			return nil
		case try == 1:
			return errors.New("connection refused")
		case try == 2:
			panic("transport bug")
		}
		return nil
	}}
	clock := newFakeClock()
	s := newTestSender(t, client, tr, clock)
	enqueue(t, client, "dpo@adapei.example", "Invitation", "Bonjour")
	enqueue(t, client, "other@adapei.example", "Invitation", "Bonjour")

	if sent, failed, err := s.SendDue(t.Context()); sent != 1 || failed != 1 || err != nil {
		t.Fatalf("first pass: sent %d, failed %d, %v; want 1, 1, nil", sent, failed, err)
	}
	clock.Advance(time.Minute)
	if sent, failed, err := s.SendDue(t.Context()); sent != 0 || failed != 1 || err != nil {
		t.Fatalf("second pass (transport panics): sent %d, failed %d, %v; want 0, 1, nil", sent, failed, err)
	}
	row := notifications(t, client)[0]
	if row.Attempts != 2 || row.LastError == nil || !strings.Contains(*row.LastError, "panicked: transport bug") {
		t.Fatalf("after a panic: attempts %d, last error %v", row.Attempts, row.LastError)
	}
	clock.Advance(5 * time.Minute)
	if sent, failed, err := s.SendDue(t.Context()); sent != 1 || failed != 0 || err != nil {
		t.Fatalf("third pass: sent %d, failed %d, %v; want 1, 0, nil", sent, failed, err)
	}
	row = notifications(t, client)[0]
	if row.Status != notification.StatusSENT || row.Attempts != 2 || row.SentAt == nil || !row.SentAt.Equal(clock.Now()) {
		t.Errorf("status %s, attempts %d, sent at %v", row.Status, row.Attempts, row.SentAt)
	}
}

// Two API servers, each with its own connection pool and sender, share
// one outbox: every message goes out exactly once.
func TestConcurrentSendersSendOnce(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t)
	open := func() *store.DB {
		db, err := store.Open(t.Context(), url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	if err := dbA.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a, b := dbA.Client, dbB.Client

	const n = 40
	for i := range n {
		enqueue(t, a, recipient(i), "Rappel", "Bonjour")
	}

	tr := &fakeTransport{delay: time.Millisecond}
	senders := []*Sender{
		newTestSender(t, a, tr, nil), newTestSender(t, b, tr, nil),
		newTestSender(t, a, tr, nil), newTestSender(t, b, tr, nil),
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		sent  = make([]int, len(senders))
	)
	for i, s := range senders {
		s.batchSize = 7
		wg.Go(func() {
			<-start
			var failed int
			var err error
			sent[i], failed, err = s.SendDue(t.Context())
			if err != nil || failed != 0 {
				t.Errorf("sender %d: failed %d, %v", i, failed, err)
			}
		})
	}
	close(start)
	wg.Wait()

	total := 0
	for _, k := range sent {
		total += k
	}
	t.Logf("messages sent by each sender: %v", sent)
	if total != n {
		t.Errorf("the senders report %d messages sent, want %d", total, n)
	}
	if got := len(tr.Sent()); got != n {
		t.Errorf("the transport sent %d messages, want %d", got, n)
	}
	for i := range n {
		if k := tr.Tries(recipient(i)); k != 1 {
			t.Errorf("%s: sent %d times", recipient(i), k)
		}
	}
	for _, row := range notifications(t, b) {
		if row.Status != notification.StatusSENT {
			t.Errorf("%s: %s", row.Recipient, row.Status)
		}
	}
}

// A message whose sending is interrupted by shutdown is given back,
// without counting an attempt.
func TestSendDueCancelledReleasesTheMessage(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	entered := make(chan struct{})
	tr := transportFunc(func(ctx context.Context, _, _, _ string) error {
		close(entered)
		<-ctx.Done()
		return ctx.Err()
	})
	clock := newFakeClock()
	s := newTestSender(t, client, tr, clock)
	enqueue(t, client, "dpo@adapei.example", "Invitation", "Bonjour")
	before := notifications(t, client)[0]

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := s.SendDue(ctx)
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("SendDue returned %v, want context.Canceled", err)
	}
	row := notifications(t, client)[0]
	if row.Status != notification.StatusPENDING || row.Attempts != 0 || !row.NextAttemptAt.Equal(before.NextAttemptAt) {
		t.Errorf("status %s, attempts %d, next attempt %v (was %v)", row.Status, row.Attempts, row.NextAttemptAt, before.NextAttemptAt)
	}
}

type transportFunc func(ctx context.Context, to, subject, body string) error

func (f transportFunc) Send(ctx context.Context, to, subject, body string) error {
	return f(ctx, to, subject, body)
}

func TestRunSendsUntilCancelled(t *testing.T) {
	t.Parallel()
	client := storetest.Open(t).Client
	tr := &fakeTransport{}
	s := newTestSender(t, client, tr, nil)
	enqueue(t, client, "a@adapei.example", "Un", "Bonjour")

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, 10*time.Millisecond)
	}()
	waitFor := func(k int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(tr.Sent()) < k {
			if time.Now().After(deadline) {
				t.Fatalf("%d messages sent, want %d", len(tr.Sent()), k)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(1)
	// A message enqueued while it runs goes out at a later pass.
	enqueue(t, client, "b@adapei.example", "Deux", "Bonjour")
	waitFor(2)

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if got := len(tr.Sent()); got != 2 {
		t.Errorf("%d messages sent, want 2", got)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	if got := truncate("abc", 5); got != "abc" {
		t.Errorf("truncate short: %q", got)
	}
	if got := truncate("ééé", 3); got != "é…" {
		t.Errorf("truncate inside a character: %q", got)
	}
}
