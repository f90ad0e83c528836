package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"communs"
	"communs/internal/httperror"
	"communs/internal/validate"
	"communs/internal/viewer"
)

type requestInfoKey struct{}

// requestInfo is what the middleware learns of a request for the
// operations that need it: the client's address (rate limits) and the
// session token (logout).
type requestInfo struct {
	clientAddr string
	token      string
}

func infoFrom(ctx context.Context) requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(requestInfo)
	return info
}

// ClientAddress returns the address of the client of the request in ctx.
func ClientAddress(ctx context.Context) string { return infoFrom(ctx).clientAddr }

// Middleware authenticates the request's bearer token and puts its viewer
// in the request context. A request without a token is anonymous; one
// with an invalid, expired or revoked token is refused with 401; one that
// cannot be checked (the database failed) gets errs' 500.
func (s *Service) Middleware(errs *httperror.Writer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfo{clientAddr: clientAddress(r)}
		ctx := r.Context()
		if header := r.Header.Get("Authorization"); header != "" {
			token, ok := strings.CutPrefix(header, "Bearer ")
			if !ok || token == "" {
				errs.Write(w, r, communs.Errorf(communs.EUNAUTHENTICATED, `the Authorization header must read "Bearer <token>"`))
				return
			}
			v, err := s.Authenticate(ctx, token)
			if err != nil {
				errs.Write(w, r, err)
				return
			}
			reason, err := accessReason(r)
			if err != nil {
				errs.Write(w, r, err)
				return
			}
			info.token = token
			v.Reason = reason
			ctx = viewer.NewContext(ctx, v)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, requestInfoKey{}, info)))
	})
}

// accessReason is the reason the request gives, trimmed. Clients send a
// header's text past ASCII in one of three ways, all read: UTF-8, an RFC
// 8187 extended value (UTF-8, a language tag that may be empty and the
// percent-encoded text, apart by apostrophes: the way to send any
// character), or Latin-1 bytes (what a browser sends for "é"). A reason
// that is none of them, longer than viewer.MaxReasonLength characters or holding
// control characters is refused.
func accessReason(r *http.Request) (string, error) {
	raw := r.Header.Get(viewer.ReasonHeader)
	reason, err := headerText(raw)
	if err == nil {
		reason = strings.TrimSpace(reason)
		err = validate.Text(reason, viewer.MaxReasonLength)
	}
	if err != nil {
		return "", communs.InvalidField("reason", "the %s header is %v; send UTF-8 text as UTF-8''<percent-encoded> (RFC 8187)", viewer.ReasonHeader, err)
	}
	return reason, nil
}

// headerText decodes a header's text: an RFC 8187 extended value in UTF-8,
// UTF-8, or else Latin-1.
func headerText(raw string) (string, error) {
	charset, rest, extended := strings.Cut(raw, "'")
	if extended && strings.EqualFold(charset, "UTF-8") {
		_, encoded, ok := strings.Cut(rest, "'") // the language tag is ignored
		if !ok {
			return "", errors.New("an RFC 8187 value without its language part")
		}
		text, err := url.PathUnescape(encoded)
		if err != nil {
			return "", errors.New("an RFC 8187 value with a bad percent-encoding")
		}
		return text, nil
	}
	if utf8.ValidString(raw) {
		return raw, nil
	}
	latin1 := make([]rune, len(raw))
	for i := range len(raw) {
		latin1[i] = rune(raw[i])
	}
	return string(latin1), nil
}

// clientAddress is the peer address of the connection. Behind a reverse
// proxy every client shares the proxy's address, which only makes the
// per-address limit stricter.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
