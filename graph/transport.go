package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The media types of GraphQL over HTTP answers.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaTypeCharsetUTF8 = "; charset=utf-8"
)

// jsonPOST is the one transport: POST with a JSON body, answered as the
// GraphQL over HTTP specification says. A request error (the body, the
// document or its variables refused before execution) answers 200 under
// application/json, and 400 without a data entry under
// application/graphql-response+json; JSON that does not parse answers 400
// under both. The client chooses with Accept (application/json when it
// names neither).
type jsonPOST struct{}

var _ graphql.Transport = jsonPOST{}

func (jsonPOST) Supports(r *http.Request) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && r.Method == http.MethodPost && mediaType == mediaJSON && r.Header.Get("Upgrade") == ""
}

func (jsonPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media+mediaTypeCharsetUTF8)
	start := graphql.Now()
	params := &graphql.RawParams{Headers: r.Header}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeRequestError(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %v", err)}))
		return
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	if err := decoder.Decode(params); err != nil {
		// The message's prefix is what the error presenter recognises; the
		// body is not echoed.
		writeRequestError(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %v", err)}))
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		if media == mediaGraphQLResponse {
			writeRequestError(w, http.StatusBadRequest, resp)
		} else {
			writeResponse(w, resp)
		}
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// responseMedia is the media type of the answer to a request accepting
// accept: the first of ours it names, application/json for a wildcard or
// none.
func responseMedia(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case mediaJSON, mediaGraphQLResponse:
			return mediaType
		}
	}
	return mediaJSON
}

// writeRequestError answers a request that did not execute: errors, and no
// data entry.
func writeRequestError(w http.ResponseWriter, status int, resp *graphql.Response) {
	writeJSON(w, status, struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
}

// writeResponse answers resp with a 200. Its data, JSON that gqlgen wrote,
// is copied as it is: json.Marshal would parse it again, a twentieth of a
// large page's CPU.
func writeResponse(w http.ResponseWriter, resp *graphql.Response) {
	rest, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors,omitempty"`
		Label      string         `json:"label,omitempty"`
		Path       ast.Path       `json:"path,omitempty"`
		HasNext    *bool          `json:"hasNext,omitempty"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Label, resp.Path, resp.HasNext, resp.Extensions})
	if err != nil {
		writeJSON(w, http.StatusOK, resp) // the same error, answered as such
		return
	}
	data := resp.Data
	if data == nil {
		data = json.RawMessage("null")
	}
	body := make([]byte, 0, len(rest)+len(data)+10)
	body = append(body, rest[:len(rest)-1]...) // {"errors":…  or {
	if len(rest) > 2 {
		body = append(body, ',')
	}
	body = append(body, `"data":`...)
	body = append(body, data...)
	body = append(body, '}')
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
