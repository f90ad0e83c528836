// Package charging is the cost-price engine: it splits the groupement's
// common costs between the members and keeps Σ charged = Σ actual costs.
package charging

import (
	"context"
	"database/sql"

	"communs"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/privacy"
)

// Consolidated are the groupement's figures for a fiscal year.
type Consolidated struct {
	Year           int
	FounderMembers int
	ActiveMembers  int
	UserMembers    int
	BudgetedCosts  int64
	ActualCosts    int64
	Charged        int64
	// Result is Charged − ActualCosts. It counts the services and fees,
	// whose costs (the groupement's staff and overhead) are no cost
	// entries: it is not a profit (see CostPriceResult).
	Result int64
	// CostPriceCharged is what the provisions and regularisations charged.
	CostPriceCharged int64
	// CostPriceResult is CostPriceCharged − ActualCosts: zero by
	// construction once the year is regularised.
	CostPriceResult int64
	// ServicesAndFees is what services and membership fees charged.
	ServicesAndFees int64
}

// Consolidate adds up a fiscal year across all members. Who may see the
// totals is decided before the call (founders and active members may), so
// the sums look past row isolation: they reveal no member's rows.
func Consolidate(ctx context.Context, client *ent.Client, year int) (*Consolidated, error) {
	if year < 2000 || year > 2100 {
		return nil, communs.InvalidField("year", "a fiscal year between 2000 and 2100")
	}
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	c := &Consolidated{Year: year}
	var counts []struct {
		Category member.Category `json:"category"`
		Count    int             `json:"count"`
	}
	err := client.Member.Query().Where(member.StatusEQ(member.StatusACTIVE)).
		GroupBy(member.FieldCategory).Aggregate(ent.Count()).Scan(ctx, &counts)
	if err != nil {
		return nil, err
	}
	for _, row := range counts {
		switch row.Category {
		case member.CategoryFOUNDER:
			c.FounderMembers = row.Count
		case member.CategoryACTIVE:
			c.ActiveMembers = row.Count
		case member.CategoryUSER:
			c.UserMembers = row.Count
		}
	}
	if c.BudgetedCosts, err = sumCosts(ctx, client, year, costentry.BasisBUDGETED); err != nil {
		return nil, err
	}
	if c.ActualCosts, err = sumCosts(ctx, client, year, costentry.BasisACTUAL); err != nil {
		return nil, err
	}
	if c.Charged, err = sum(ctx, client.Charge.Query().Where(charge.FiscalYear(year)), charge.FieldAmount); err != nil {
		return nil, err
	}
	costPrice := client.Charge.Query().Where(charge.FiscalYear(year),
		charge.KindIn(charge.KindPROVISION, charge.KindREGULARIZATION))
	if c.CostPriceCharged, err = sum(ctx, costPrice, charge.FieldAmount); err != nil {
		return nil, err
	}
	c.Result = c.Charged - c.ActualCosts
	c.CostPriceResult = c.CostPriceCharged - c.ActualCosts
	c.ServicesAndFees = c.Charged - c.CostPriceCharged
	return c, nil
}

func sumCosts(ctx context.Context, client *ent.Client, year int, basis costentry.Basis) (int64, error) {
	q := client.CostEntry.Query().Where(costentry.FiscalYear(year), costentry.BasisEQ(basis))
	return sum(ctx, q, costentry.FieldAmount)
}

// aggregator is an ent query that can sum a column.
type aggregator[S any] interface {
	Aggregate(...ent.AggregateFunc) S
}

// sum adds up field over the rows of q; no rows sum to zero.
func sum[S interface {
	Scan(context.Context, any) error
}](ctx context.Context, q aggregator[S], field string) (int64, error) {
	var rows []struct {
		Sum sql.NullInt64 `json:"sum"`
	}
	if err := q.Aggregate(ent.Sum(field)).Scan(ctx, &rows); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Sum.Int64, nil
}
