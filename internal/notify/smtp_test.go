package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSMTPServer speaks just enough SMTP to receive messages, one
// connection at a time, and records what it was told.
type testSMTPServer struct {
	addr string

	tls        *tls.Config // offers STARTTLS when set
	auth       bool        // offers AUTH PLAIN
	rejectRcpt bool        // answers RCPT with 550

	mu    sync.Mutex
	mails []receivedMail
}

type receivedMail struct {
	from, to string
	data     []byte // as received, dot-stuffing undone
	stuffed  int    // lines that arrived dot-stuffed
	auth     string // the decoded AUTH PLAIN response, if any
	tlsOn    bool   // STARTTLS was done before MAIL
}

func startSMTPServer(t *testing.T, srv *testSMTPServer) *testSMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr = ln.Addr().String()
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			srv.serve(t, conn)
		}
	}()
	return srv
}

func (srv *testSMTPServer) received() []receivedMail {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return append([]receivedMail(nil), srv.mails...)
}

func (srv *testSMTPServer) serve(t *testing.T, conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			io.WriteString(conn, l[:3]+sep+l[4:]+"\r\n")
		}
	}
	var (
		m     receivedMail
		tlsOn bool
	)
	reply("220 test.example ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250 test.example", "250 8BITMIME"}
			if srv.tls != nil && !tlsOn {
				lines = append(lines, "250 STARTTLS")
			}
			if srv.auth {
				lines = append(lines, "250 AUTH PLAIN")
			}
			reply(lines...)
		case "HELO", "RSET", "NOOP":
			reply("250 ok")
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(conn, srv.tls)
			if err := tc.Handshake(); err != nil {
				t.Errorf("test SMTP server: TLS handshake: %v", err)
				return
			}
			conn, r, tlsOn = tc, bufio.NewReader(tc), true
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			dec, err := base64.StdEncoding.DecodeString(resp)
			if !strings.EqualFold(mech, "PLAIN") || err != nil {
				reply("504 unsupported")
				continue
			}
			m.auth = string(dec)
			reply("235 authenticated")
		case "MAIL":
			m.from, m.tlsOn = arg, tlsOn
			reply("250 ok")
		case "RCPT":
			if srv.rejectRcpt {
				reply("550 no such mailbox")
				continue
			}
			m.to = arg
			reply("250 ok")
		case "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			var data bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				if strings.HasPrefix(l, "..") {
					l = l[1:]
					m.stuffed++
				}
				data.WriteString(l)
			}
			m.data = data.Bytes()
			srv.mu.Lock()
			srv.mails = append(srv.mails, m)
			srv.mu.Unlock()
			m = receivedMail{auth: m.auth}
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

func TestSMTPTransportMessage(t *testing.T) {
	t.Parallel()
	srv := startSMTPServer(t, &testSMTPServer{})
	tr := NewSMTPTransport(SMTPConfig{Addr: srv.addr, From: "Communs – GSM <ne-pas-repondre@communs.example>"})

	subject := "Déclaration d’usage à compléter avant le 31 mars — Fédération des Établissements Médico-Sociaux de l’Hérault"
	body := "Bonjour Élodie,\n\n" +
		"Votre fiche déclarative 2025 est à compléter : « Hébergement », « Messagerie ».\n" +
		".Une ligne qui commence par un point.\n" +
		strings.Repeat("Très longue ligne accentuée, à couper proprement. ", 6) + "\n" +
		"Cordialement,\nL’équipe du groupement\n"
	if err := tr.Send(t.Context(), "elodie.durand@adapei.example", subject, body); err != nil {
		t.Fatal(err)
	}

	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("the server received %d messages, want 1", len(mails))
	}
	got := mails[0]
	if !strings.HasPrefix(got.from, "FROM:<ne-pas-repondre@communs.example>") {
		t.Errorf("MAIL %s", got.from)
	}
	if got.to != "TO:<elodie.durand@adapei.example>" {
		t.Errorf("RCPT %s", got.to)
	}
	if got.stuffed != 1 {
		t.Errorf("%d lines were dot-stuffed, want 1", got.stuffed)
	}

	raw := got.data
	for i, c := range raw {
		if c >= 0x80 {
			t.Fatalf("byte %d of the message is not ASCII: %q", i, raw[max(0, i-20):i+1])
		}
	}
	for i, l := range strings.SplitAfter(string(raw), "\n") {
		if l == "" {
			continue
		}
		if !strings.HasSuffix(l, "\r\n") {
			t.Errorf("line %d does not end in CRLF: %q", i+1, l)
		}
		if len(l) > 78+2 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(l)-2, l)
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Communs – GSM" || from.Address != "ne-pas-repondre@communs.example" {
		t.Errorf("From: %q → %v, %v", h.Get("From"), from, err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != "elodie.durand@adapei.example" {
		t.Errorf("To: %q → %v, %v", h.Get("To"), to, err)
	}
	if !strings.Contains(h.Get("Subject"), "=?UTF-8?q?") {
		t.Errorf("Subject is not Q-encoded: %q", h.Get("Subject"))
	}
	if s, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || s != subject {
		t.Errorf("Subject decodes to %q, %v; want %q", s, err, subject)
	}
	if d, err := h.Date(); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date: %q → %v, %v", h.Get("Date"), d, err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[a-z0-9]{20,}@communs\.example>$`).MatchString(id) {
		t.Errorf("Message-ID: %q", id)
	}
	for name, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Auto-Submitted":            "auto-generated",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}

	encoded, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(encoded, []byte("Bonjour =C3=89lodie,")) {
		t.Errorf("the body does not carry É as =C3=89:\n%s", encoded)
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(encoded)))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(body, "\n", "\r\n"); string(decoded) != want {
		t.Errorf("decoded body:\n%q\nwant\n%q", decoded, want)
	}

	// A second message gets its own Message-ID.
	if err := tr.Send(t.Context(), "elodie.durand@adapei.example", "Rappel", "Bonjour"); err != nil {
		t.Fatal(err)
	}
	mails = srv.received()
	id := func(m receivedMail) string {
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		return msg.Header.Get("Message-ID")
	}
	if len(mails) != 2 || id(mails[0]) == id(mails[1]) {
		t.Errorf("two messages, Message-IDs %q and %q", id(mails[0]), id(mails[len(mails)-1]))
	}
}

func TestSMTPTransportStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := testCertificates(t)
	srv := startSMTPServer(t, &testSMTPServer{tls: serverTLS, auth: true})
	tr := NewSMTPTransport(SMTPConfig{
		Addr: srv.addr, From: "ne-pas-repondre@communs.example",
		Username: "relay", Password: "s3cret", StartTLS: true,
	})
	tr.(*smtpTransport).tlsConfig = clientTLS
	if err := tr.Send(t.Context(), "dpo@adapei.example", "Accès", "Bonjour"); err != nil {
		t.Fatal(err)
	}
	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("the server received %d messages, want 1", len(mails))
	}
	if !mails[0].tlsOn {
		t.Error("the message was sent before STARTTLS")
	}
	if mails[0].auth != "\x00relay\x00s3cret" {
		t.Errorf("AUTH PLAIN %q", mails[0].auth)
	}
}

func TestSMTPTransportRefusals(t *testing.T) {
	t.Parallel()
	t.Run("STARTTLS required but not offered", func(t *testing.T) {
		srv := startSMTPServer(t, &testSMTPServer{auth: true})
		tr := NewSMTPTransport(SMTPConfig{Addr: srv.addr, From: "a@communs.example",
			Username: "relay", Password: "s3cret", StartTLS: true})
		err := tr.Send(t.Context(), "b@adapei.example", "Objet", "Texte")
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("got %v, want an error about STARTTLS", err)
		}
		if n := len(srv.received()); n != 0 {
			t.Errorf("%d messages sent", n)
		}
	})
	t.Run("recipient rejected", func(t *testing.T) {
		srv := startSMTPServer(t, &testSMTPServer{rejectRcpt: true})
		tr := NewSMTPTransport(SMTPConfig{Addr: srv.addr, From: "a@communs.example"})
		err := tr.Send(t.Context(), "b@adapei.example", "Objet", "Texte")
		if err == nil || !strings.Contains(err.Error(), "550") {
			t.Errorf("got %v, want the server's 550", err)
		}
	})
	t.Run("bad sender", func(t *testing.T) {
		cfg := SMTPConfig{Addr: "127.0.0.1:25", From: "not an address"}
		if cfg.Validate() == nil {
			t.Error("Validate accepted a bad From")
		}
		if err := NewSMTPTransport(cfg).Send(t.Context(), "b@adapei.example", "Objet", "Texte"); err == nil {
			t.Error("Send accepted a bad From")
		}
	})
	t.Run("silent server, deadline", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			conn, err := ln.Accept()
			if err == nil {
				defer conn.Close()
				io.Copy(io.Discard, conn) // never greets
			}
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = NewSMTPTransport(SMTPConfig{Addr: ln.Addr().String(), From: "a@communs.example"}).
			Send(ctx, "b@adapei.example", "Objet", "Texte")
		if err == nil || time.Since(start) > 5*time.Second {
			t.Errorf("got %v after %v, want a timeout", err, time.Since(start))
		}
	})
}

func TestSMTPConfigValidate(t *testing.T) {
	t.Parallel()
	ok := SMTPConfig{Addr: "smtp.example.org:587", From: "Communs <noreply@communs.example>", Username: "u", Password: "p", StartTLS: true}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []SMTPConfig{
		{Addr: "smtp.example.org", From: "noreply@communs.example"},
		{Addr: "smtp.example.org:587", From: ""},
		{Addr: "smtp.example.org:587", From: "noreply@communs.example", Password: "p"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestLogTransport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	tr := NewLogTransport(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err := tr.Send(t.Context(), "dpo@adapei.example", "Invitation à rejoindre Communs", "lien secret: https://x/invite/TOKEN"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "dpo@adapei.example") || !strings.Contains(out, "Invitation à rejoindre Communs") {
		t.Errorf("the log lacks the recipient or subject:\n%s", out)
	}
	if strings.Contains(out, "TOKEN") {
		t.Errorf("the body is logged at info level:\n%s", out)
	}

	buf.Reset()
	tr = NewLogTransport(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err := tr.Send(t.Context(), "dpo@adapei.example", "Invitation", "lien secret: https://x/invite/TOKEN"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "TOKEN") {
		t.Errorf("the body is not logged at debug level:\n%s", buf.String())
	}
}

// testCertificates returns a self-signed certificate for 127.0.0.1 and a
// client configuration trusting it.
func testCertificates(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test SMTP server"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}
