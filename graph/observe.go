package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"communs/internal/metrics"
)

// observe records every operation in the metrics: its name, its outcome
// (OK or the first error's code) and its time.
type observe struct{ m *metrics.Metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = observe{}

func (observe) ExtensionName() string                   { return "CommunsMetrics" }
func (observe) Validate(graphql.ExecutableSchema) error { return nil }

func (o observe) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	code := "OK"
	if resp != nil && len(resp.Errors) > 0 {
		code = codeOf(resp.Errors[0])
	}
	name := ""
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		name = oc.OperationName
		if name == "" && oc.Operation != nil {
			name = oc.Operation.Name
		}
	}
	o.m.ObserveOperation(name, code, time.Since(start))
	return resp
}
