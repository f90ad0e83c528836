package cpom

import (
	"bytes"
	"context"
	_ "embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/cpomaction"
	"communs/ent/cpomcontract"
	"communs/ent/cpomdialogue"
	"communs/ent/cpomindicator"
	"communs/ent/cpommilestone"
	"communs/ent/cpomobjective"
	"communs/ent/schema/pulid"
	"communs/internal/httperror"
	"communs/internal/viewer"
)

// Review is a contract's yearly review: where each objective stands in the
// year, the milestones, and the management dialogues of the year.
type Review struct {
	GeneratedAt    time.Time
	Year           int
	Member         string
	Contract       *ent.CpomContract
	Establishments []*ent.Establishment
	Objectives     []ReviewedObjective
	Milestones     []*ent.CpomMilestone
	Dialogues      []*ent.CpomDialogue
}

// ReviewedObjective is an objective with its actions and indicators.
type ReviewedObjective struct {
	*ent.CpomObjective
	Actions    []ReviewedAction
	Indicators []ReviewedIndicator
}

// ReviewedAction is an action, late or not on the review's day.
type ReviewedAction struct {
	*ent.CpomAction
	Late bool
}

// ReviewedIndicator is an indicator's target and value for the year.
type ReviewedIndicator struct {
	*ent.CpomIndicator
	Target *float64
	Value  *float64
	Met    bool
	Fed    bool
}

// Review draws up the review of contract id for year, from what the viewer
// of ctx reads: another member's contract is NOT_FOUND.
func (s *Service) Review(ctx context.Context, id pulid.ID, year int) (*Review, error) {
	c, err := s.client.CpomContract.Query().Where(cpomcontract.ID(id)).WithMember().
		WithMilestones(func(q *ent.CpomMilestoneQuery) { q.Order(ent.Asc(cpommilestone.FieldDueOn)) }).
		WithDialogues(func(q *ent.CpomDialogueQuery) {
			q.Where(cpomdialogue.Year(year)).Order(ent.Asc(cpomdialogue.FieldCreatedAt))
		}).Only(ctx)
	if err != nil {
		return nil, notFound(err, "contract", id)
	}
	if err := withinTerm(c, year); err != nil {
		return nil, err
	}
	objectives, err := s.reviewedObjectives(ctx, c, year)
	if err != nil {
		return nil, err
	}
	establishments, err := s.Establishments(ctx, c)
	if err != nil {
		return nil, err
	}
	r := &Review{GeneratedAt: s.now().UTC(), Year: year, Contract: c, Establishments: establishments,
		Objectives: objectives, Milestones: c.Edges.Milestones, Dialogues: c.Edges.Dialogues}
	if c.Edges.Member != nil {
		r.Member = c.Edges.Member.Name
	}
	return r, nil
}

// reviewedObjectives returns c's objectives with their actions and the
// values of their indicators for year.
func (s *Service) reviewedObjectives(ctx context.Context, c *ent.CpomContract, year int) ([]ReviewedObjective, error) {
	objectives, err := c.QueryObjectives().Order(ent.Asc(cpomobjective.FieldCode)).
		WithActions(func(q *ent.CpomActionQuery) { q.Order(ent.Asc(cpomaction.FieldDueOn)) }).
		WithIndicators(func(q *ent.CpomIndicatorQuery) { q.Order(ent.Asc(cpomindicator.FieldName)).WithYears() }).
		All(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := make([]ReviewedObjective, len(objectives))
	for i, o := range objectives {
		out[i] = ReviewedObjective{CpomObjective: o}
		for _, a := range o.Edges.Actions {
			out[i].Actions = append(out[i].Actions, ReviewedAction{CpomAction: a, Late: late(a, today)})
		}
		for _, ind := range o.Edges.Indicators {
			reviewed, err := s.reviewedIndicator(ctx, ind, year)
			if err != nil {
				return nil, err
			}
			out[i].Indicators = append(out[i].Indicators, reviewed)
		}
	}
	return out, nil
}

func (s *Service) reviewedIndicator(ctx context.Context, ind *ent.CpomIndicator, year int) (ReviewedIndicator, error) {
	r := ReviewedIndicator{CpomIndicator: ind, Fed: s.Fed(ind)}
	for _, y := range ind.Edges.Years {
		if y.Year == year {
			r.Target, r.Value = y.Target, y.Value
		}
	}
	if r.Fed {
		value, err := s.ValueFor(ctx, ind, year)
		if err != nil {
			return r, err
		}
		r.Value = value
	}
	r.Met = r.Target != nil && meets(ind.Direction, *r.Target, r.Value)
	return r, nil
}

// late tells whether a is past its deadline on today, neither done nor
// cancelled.
func late(a *ent.CpomAction, today time.Time) bool {
	open := a.Status == cpomaction.StatusPLANNED || a.Status == cpomaction.StatusIN_PROGRESS
	return open && a.DueOn.Before(today)
}

//go:embed review.html
var reviewHTML string

var reviewTemplate = template.Must(template.New("review").Funcs(template.FuncMap{
	"date":   func(t time.Time) string { return t.Format("02/01/2006") },
	"datep":  func(t *time.Time) string { return formatDay(t) },
	"number": func(f *float64) string { return formatNumber(f) },
	"num":    func(f float64) string { return formatNumber(&f) },
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"join":   strings.Join,
}).Parse(reviewHTML))

func formatDay(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.Format("02/01/2006")
}

// formatNumber writes f the French way (decimal comma), "—" for none.
func formatNumber(f *float64) string {
	if f == nil {
		return "—"
	}
	return strings.Replace(strconv.FormatFloat(*f, 'f', -1, 64), ".", ",", 1)
}

// ReviewPattern is the route of the yearly review: GET
// /exports/cpom/contracts/CPC…/2026.html, a printable page.
const ReviewPattern = "GET /exports/cpom/contracts/{contract}/{file}"

// reviewHandler serves the yearly review to whom the policy grants
// cpomContracts, from the rows the viewer reads.
func reviewHandler(s *Service, allowed func(*viewer.Viewer, string) bool, errs *httperror.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		year, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("file"), ".html"))
		if !strings.HasSuffix(r.PathValue("file"), ".html") || err != nil {
			errs.Write(w, r, communs.Errorf(communs.ENOTFOUND, "ask for <contract id>/<year>.html"))
			return
		}
		if !errs.Permitted(w, r, func(v *viewer.Viewer) bool { return allowed(v, "cpomContracts") }, "read a review") {
			return
		}
		review, err := s.Review(r.Context(), pulid.ID(r.PathValue("contract")), year)
		if err != nil {
			errs.Write(w, r, err)
			return
		}
		var body bytes.Buffer
		if err := reviewTemplate.Execute(&body, review); err != nil {
			errs.Write(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, _ = body.WriteTo(w)
	})
}
