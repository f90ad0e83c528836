package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
	"time"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Addr string // "host:port" of the server (a relay, usually on port 587 or 25)
	// From is the sender, a bare address or "Name <address>".
	From string
	// Username and Password, when a username is set, authenticate with
	// PLAIN, which is only done over TLS or to a server on localhost.
	Username string
	Password string
	// StartTLS requires the server to offer STARTTLS and upgrades the
	// connection before authenticating and sending. Without it, the
	// connection stays in clear (for a relay on localhost or a trusted
	// network).
	StartTLS bool
}

// Validate reports a configuration that could never send, so that it is
// caught at start-up rather than on every message.
func (c SMTPConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("smtp: address %q is not host:port: %w", c.Addr, err)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp: sender address %q: %w", c.From, err)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("smtp: a password is set without a username")
	}
	return nil
}

// smtpTimeout bounds one delivery when the context sets no deadline.
const smtpTimeout = 2 * time.Minute

type smtpTransport struct {
	cfg       SMTPConfig
	now       func() time.Time
	tlsConfig *tls.Config // nil: verify the server's certificate for its host name
}

// NewSMTPTransport returns a Transport sending each message as a UTF-8
// plain-text mail through the server of cfg, one connection per message.
func NewSMTPTransport(cfg SMTPConfig) Transport {
	return &smtpTransport{cfg: cfg, now: time.Now}
}

func (t *smtpTransport) Send(ctx context.Context, to, subject, body string) error {
	from, err := mail.ParseAddress(t.cfg.From)
	if err != nil {
		return fmt.Errorf("smtp: sender address %q: %w", t.cfg.From, err)
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("smtp: recipient address: %w", err)
	}
	host, _, err := net.SplitHostPort(t.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp: address %q is not host:port: %w", t.cfg.Addr, err)
	}
	msg, err := buildMessage(from, rcpt, subject, body, t.now())
	if err != nil {
		return err
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	// net/smtp knows no context: a deadline on the connection bounds the
	// whole exchange, and cancelling ctx cuts it short.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(smtpTimeout)
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if err := t.exchange(c, host, from.Address, rcpt.Address, msg); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("smtp: %w (%w)", ctxErr, err)
		}
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}

// exchange runs the SMTP dialogue on c, after the server's greeting.
func (t *smtpTransport) exchange(c *smtp.Client, host, from, to string, msg []byte) error {
	if err := c.Hello(helloName()); err != nil {
		return err
	}
	if t.cfg.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS, which the configuration requires")
		}
		cfg := t.tlsConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if t.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH, which the configured username requires")
		}
		// PlainAuth itself refuses to send the password in clear to any
		// host but localhost.
		if err := c.Auth(smtp.PlainAuth("", t.cfg.Username, t.cfg.Password, host)); err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server has accepted the message: a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// helloName is the name given in EHLO: the machine's name when it looks
// like a domain name, which some servers require, else localhost.
func helloName() string {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "localhost"
	}
	return name
}

// buildMessage formats an RFC 5322 message: ASCII headers (the subject and
// display names Q-encoded), and the UTF-8 text in quoted-printable, lines
// ending in CRLF. The SMTP client adds the dot-stuffing.
func buildMessage(from, to *mail.Address, subject, body string, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) { writeHeader(&b, name, value) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeSubject(subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: no vacation replies to notifications.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	// In text mode the writer turns every line break into CRLF.
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("smtp: encode the body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("smtp: encode the body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// maxLineLen is the length a header line should not exceed (RFC 5322 2.1.1).
const maxLineLen = 78

// writeHeader writes the field name: value, folded at spaces so that its
// lines keep within maxLineLen where the words allow: a word that does not
// fit goes to a line of its own, even the first one after the name.
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	n, lineHasWord := len(name)+1, false
	for _, word := range strings.Split(value, " ") {
		if word != "" && n+1+len(word) > maxLineLen && (lineHasWord || 1+len(word) <= maxLineLen) {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(" ")
		b.WriteString(word)
		n += 1 + len(word)
		lineHasWord = true
	}
	b.WriteString("\r\n")
}

// encodeSubject Q-encodes a subject that is not plain printable ASCII; the
// encoded words are separated by spaces, where writeHeader folds. Runs of
// white space, line breaks included, become single spaces: they have no
// place in a subject.
func encodeSubject(s string) string {
	return mime.QEncoding.Encode("UTF-8", strings.Join(strings.Fields(s), " "))
}

// messageID returns a unique Message-ID in the domain of the sender.
func messageID(from string) string {
	domain := "communs.localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + strings.ToLower(rand.Text()) + "@" + domain + ">"
}

type logTransport struct{ logger *slog.Logger }

// NewLogTransport returns a Transport for when no mail server is
// configured: it logs the recipient and subject of each message, and its
// body at debug level only (it may hold an invitation link).
func NewLogTransport(logger *slog.Logger) Transport {
	if logger == nil {
		logger = slog.Default()
	}
	return logTransport{logger: logger}
}

func (t logTransport) Send(ctx context.Context, to, subject, body string) error {
	t.logger.InfoContext(ctx, "mail not sent: no SMTP server configured", "to", to, "subject", subject)
	t.logger.DebugContext(ctx, "mail body", "to", to, "body", body)
	return nil
}
