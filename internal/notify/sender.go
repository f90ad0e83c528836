package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"communs/ent"
	"communs/ent/notification"
	"communs/internal/viewer"
)

// Transport delivers one message.
type Transport interface {
	Send(ctx context.Context, to, subject, body string) error
}

// MaxAttempts is how many times the Sender tries a message before marking
// it FAILED, where it stays for the staff to see.
const MaxAttempts = 6

// backoff[i] is the wait after the (i+1)th failed attempt. There is one
// wait fewer than attempts: the last failure is final.
var backoff = [MaxAttempts - 1]time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 12 * time.Hour,
}

// Defaults of the Sender's tuning.
const (
	defaultBatchSize   = 50
	defaultSendTimeout = time.Minute
	// A claimed message is leased for this long: no other sender takes it
	// before then. It must outlast a send and its bookkeeping; if the
	// sender dies in between, the message is retried when the lease ends.
	defaultLease = 10 * time.Minute
	// bookkeepingTimeout bounds the writes that record an outcome. They
	// run even when the pass is being cancelled, so that a message that
	// went out is marked SENT rather than sent again.
	bookkeepingTimeout = 15 * time.Second
	maxErrorLen        = 1000
)

// Sender delivers the outbox: the PENDING notifications that are due,
// through a Transport, retrying failures with a growing delay. Several
// Senders (one per API server) may run against the same database: each
// message is claimed by one of them before it is sent.
type Sender struct {
	client    *ent.Client
	transport Transport
	logger    *slog.Logger

	now         func() time.Time
	batchSize   int
	sendTimeout time.Duration
	lease       time.Duration
}

// NewSender returns a Sender delivering the outbox of client through t.
func NewSender(client *ent.Client, t Transport, logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{
		client:      client,
		transport:   t,
		logger:      logger,
		now:         time.Now,
		batchSize:   defaultBatchSize,
		sendTimeout: defaultSendTimeout,
		lease:       defaultLease,
	}
}

func (s *Sender) clock() time.Time { return s.now().UTC() }

// SendDue makes one pass over the outbox: every PENDING notification due
// by the start of the pass, the longest waiting first, read in batches.
// A delivered message becomes SENT; a failed one is retried later (after
// 1 min, 5 min, 30 min, 2 h, then 12 h), and becomes FAILED after
// MaxAttempts attempts. sent and failed count the deliveries and the
// failed attempts of this pass. The pass stops at the first database error
// or when ctx is done, and returns it.
func (s *Sender) SendDue(ctx context.Context) (sent, failed int, err error) {
	ctx = viewer.SystemContext(ctx)
	cutoff := s.clock()
	for {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		batch, err := s.client.Notification.Query().
			Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(cutoff)).
			Order(notification.ByNextAttemptAt(), notification.ByID()).
			Limit(s.batchSize).
			All(ctx)
		if err != nil {
			return sent, failed, fmt.Errorf("notify: read the outbox: %w", err)
		}
		for _, n := range batch {
			out, err := s.deliver(ctx, n)
			switch out {
			case outcomeSent:
				sent++
			case outcomeFailed:
				failed++
			}
			if err != nil {
				return sent, failed, err
			}
		}
		// Every row of the batch has left the due set: claimed by this
		// sender or by another one, or the pass has stopped. A short batch
		// means there is nothing more.
		if len(batch) < s.batchSize {
			return sent, failed, nil
		}
	}
}

// outcome is what became of one message in a pass.
type outcome int

const (
	outcomeSkipped outcome = iota // claimed by another sender, or not attempted
	outcomeSent
	outcomeFailed
)

// deliver claims n, sends it and records the outcome.
func (s *Sender) deliver(ctx context.Context, n *ent.Notification) (outcome, error) {
	claimed, err := s.claim(ctx, n)
	if err != nil || !claimed {
		return outcomeSkipped, err
	}
	log := s.logger.With("notification", n.ID, "kind", n.Kind, "attempt", n.Attempts+1)

	sendErr := s.send(ctx, n)
	// The outcome is recorded even if ctx is cancelled meanwhile.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()

	switch {
	case sendErr == nil:
		err := s.client.Notification.UpdateOneID(n.ID).
			Where(notification.StatusEQ(notification.StatusPENDING)).
			SetStatus(notification.StatusSENT).SetSentAt(s.clock()).
			Exec(bctx)
		if err != nil && !ent.IsNotFound(err) {
			// It went out but stays leased: once the lease ends it may be
			// sent a second time. Stop the pass rather than send more
			// messages that could not be recorded either.
			return outcomeSent, fmt.Errorf("notify: record notification %s as sent: %w", n.ID, err)
		}
		log.Debug("notification sent")
		return outcomeSent, nil

	case ctx.Err() != nil:
		// Shutting down, not the message's fault: give the claim back
		// without counting an attempt.
		err := s.client.Notification.UpdateOneID(n.ID).
			Where(notification.StatusEQ(notification.StatusPENDING)).
			SetNextAttemptAt(n.NextAttemptAt).
			Exec(bctx)
		if err != nil && !ent.IsNotFound(err) {
			log.Warn("release notification", "error", err)
		}
		return outcomeSkipped, ctx.Err()
	}

	attempts := n.Attempts + 1
	upd := s.client.Notification.UpdateOneID(n.ID).
		Where(notification.StatusEQ(notification.StatusPENDING)).
		SetAttempts(attempts).SetLastError(truncate(sendErr.Error(), maxErrorLen))
	if attempts >= MaxAttempts {
		upd.SetStatus(notification.StatusFAILED)
		log.Error("notification failed, giving up", "error", sendErr)
	} else {
		retry := s.clock().Add(backoff[attempts-1])
		upd.SetNextAttemptAt(retry)
		log.Warn("notification failed, will retry", "error", sendErr, "retry_at", retry)
	}
	if err := upd.Exec(bctx); err != nil && !ent.IsNotFound(err) {
		return outcomeFailed, fmt.Errorf("notify: record the failure of notification %s: %w", n.ID, err)
	}
	return outcomeFailed, nil
}

// claim leases n to this sender by moving its next attempt past the lease,
// on the condition that it is still pending and due: of several senders
// racing for it, exactly one updates the row, and the others find it no
// longer due.
func (s *Sender) claim(ctx context.Context, n *ent.Notification) (bool, error) {
	now := s.clock()
	err := s.client.Notification.UpdateOneID(n.ID).
		Where(notification.StatusEQ(notification.StatusPENDING), notification.NextAttemptAtLTE(now)).
		SetNextAttemptAt(now.Add(s.lease)).
		Exec(ctx)
	switch {
	case err == nil:
		return true, nil
	case ent.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("notify: claim notification %s: %w", n.ID, err)
	}
}

// send hands n to the transport, within the send timeout; a panicking
// transport is a failed attempt.
func (s *Sender) send(ctx context.Context, n *ent.Notification) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.sendTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("transport panicked: %v", r)
		}
	}()
	return s.transport.Send(ctx, n.Recipient, n.Subject, n.Body)
}

// Run makes a pass every interval until ctx is done, starting at once.
// Errors are logged and the next pass tries again.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		s.runOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (s *Sender) runOnce(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.logger.Error("notification sender panicked", "panic", fmt.Sprint(r))
		}
	}()
	sent, failed, err := s.SendDue(ctx)
	if err != nil && ctx.Err() == nil {
		s.logger.Error("notification sender", "error", err, "sent", sent, "failed", failed)
		return
	}
	if sent > 0 || failed > 0 {
		s.logger.Info("notification pass", "sent", sent, "failed", failed)
	}
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
