package auth

import (
	"context"
	"net"
	"net/http"
	"strings"

	"communs"
	"communs/internal/httperror"
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
			info.token = token
			v.Reason = accessReason(r)
			ctx = viewer.NewContext(ctx, v)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, requestInfoKey{}, info)))
	})
}

// maxReasonLength bounds the reason a request gives for its reads.
const maxReasonLength = 500

// accessReason is the reason the request gives, trimmed and bounded.
func accessReason(r *http.Request) string {
	reason := strings.TrimSpace(r.Header.Get(viewer.ReasonHeader))
	if len(reason) > maxReasonLength {
		reason = strings.ToValidUTF8(reason[:maxReasonLength], "")
	}
	return reason
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
