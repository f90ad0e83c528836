package store

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

const mask = "xxxxx"

// redactedURL is u fit for an error message: pgx also takes the password
// as a query parameter, which url.URL.Redacted leaves in place.
func redactedURL(u *url.URL) string {
	r := *u
	if r.User != nil {
		if _, ok := r.User.Password(); ok {
			r.User = url.UserPassword(r.User.Username(), mask)
		}
	}
	if q := r.Query(); q.Has("password") {
		q.Set("password", mask)
		r.RawQuery = q.Encode()
	}
	return r.String()
}

// secrets lists the passwords in u in every form a driver's message may
// quote them: decoded, escaped the way net/url does, and as written.
func secrets(u *url.URL) []string {
	var plain []string
	if pw, ok := u.User.Password(); ok {
		plain = append(plain, pw)
		if _, escaped, ok := strings.Cut(u.User.String(), ":"); ok {
			plain = append(plain, escaped)
		}
	}
	plain = append(plain, u.Query()["password"]...)
	for param := range strings.SplitSeq(u.RawQuery, "&") {
		if v, ok := strings.CutPrefix(param, "password="); ok {
			plain = append(plain, v)
		}
	}
	var all []string
	for _, s := range plain {
		all = append(all, s, url.QueryEscape(s), url.PathEscape(s))
	}
	// Longest first, so that a password containing another one is masked
	// whole; then by value, so that Compact sees duplicates side by side.
	slices.SortFunc(all, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	return slices.DeleteFunc(slices.Compact(all), func(s string) bool { return s == "" })
}

// redactedError masks the passwords of a database URL in a driver's message
// and keeps the chain, so that errors.Is still sees a timeout.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, u *url.URL) error {
	s := secrets(u)
	if len(s) == 0 {
		return err
	}
	pairs := make([]string, 0, 2*len(s))
	for _, secret := range s {
		pairs = append(pairs, secret, mask)
	}
	return &redactedError{msg: strings.NewReplacer(pairs...).Replace(err.Error()), err: err}
}
