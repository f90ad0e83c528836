package dashboard

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"communs"
	"communs/ent"
	"communs/ent/costentry"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/internal/money"
)

// MaxYears bounds the years of a view.
const MaxYears = 20

// ResourceYear is a resource's budget, actual costs and declared usage in
// a fiscal year.
type ResourceYear struct {
	ResourceID pulid.ID
	Resource   *ent.Resource
	Year       int
	// Budgeted and Actual are the sums of its cost entries, in cents.
	Budgeted, Actual int64
	// DeclaredQuantity is what its validated declarations add up to, in
	// its unit, by Declarations members.
	DeclaredQuantity int64
	Declarations     int
}

// Difference is actual minus budgeted, in cents: positive when the
// resource cost more than planned.
func (r ResourceYear) Difference() int64 { return r.Actual - r.Budgeted }

// CostPerUnit is the actual cost of one unit declared, in cents rounded
// half away from zero; nil when nothing was declared.
func (r ResourceYear) CostPerUnit() *int64 {
	if r.DeclaredQuantity == 0 {
		return nil
	}
	cents := money.Fraction(r.Actual, 1, r.DeclaredQuantity)
	return &cents
}

// resourceYear keys the rows of ResourceYears.
type resourceYear struct {
	resource pulid.ID
	year     int
}

// ResourceYears returns, for each resource and fiscal year from fromYear to
// toYear that has costs or declarations, its budget, actual costs and
// declared usage, by resource then year. Rows are read through the
// privacy rules.
func ResourceYears(ctx context.Context, client *ent.Client, fromYear, toYear int) ([]ResourceYear, error) {
	if toYear < fromYear || toYear-fromYear >= MaxYears {
		return nil, communs.InvalidField("toYear", "from fromYear, at most %d years", MaxYears)
	}
	rows := map[resourceYear]*ResourceYear{}
	row := func(resource pulid.ID, year int) *ResourceYear {
		key := resourceYear{resource, year}
		if rows[key] == nil {
			rows[key] = &ResourceYear{ResourceID: resource, Year: year}
		}
		return rows[key]
	}
	var costs []struct {
		ResourceID pulid.ID      `json:"resource_id"`
		FiscalYear int           `json:"fiscal_year"`
		Basis      string        `json:"basis"`
		Sum        sql.NullInt64 `json:"sum"`
	}
	err := client.CostEntry.Query().Where(costentry.FiscalYearGTE(fromYear), costentry.FiscalYearLTE(toYear)).
		GroupBy(costentry.FieldResourceID, costentry.FieldFiscalYear, costentry.FieldBasis).
		Aggregate(ent.Sum(costentry.FieldAmount)).Scan(ctx, &costs)
	if err != nil {
		return nil, err
	}
	for _, c := range costs {
		if r := row(c.ResourceID, c.FiscalYear); c.Basis == string(costentry.BasisACTUAL) {
			r.Actual += c.Sum.Int64
		} else {
			r.Budgeted += c.Sum.Int64
		}
	}
	for year := fromYear; year <= toYear; year++ {
		var declared []struct {
			ResourceID pulid.ID      `json:"resource_id"`
			Sum        sql.NullInt64 `json:"sum"`
			Count      int           `json:"count"`
		}
		err := client.UsageDeclarationLine.Query().
			Where(usagedeclarationline.HasDeclarationWith(usagedeclaration.Year(year),
				usagedeclaration.StatusIn(usagedeclaration.StatusVALIDATED, usagedeclaration.StatusLOCKED))).
			GroupBy(usagedeclarationline.FieldResourceID).
			Aggregate(ent.Sum(usagedeclarationline.FieldQuantity), ent.Count()).Scan(ctx, &declared)
		if err != nil {
			return nil, err
		}
		for _, d := range declared {
			r := row(d.ResourceID, year)
			r.DeclaredQuantity, r.Declarations = d.Sum.Int64, d.Count
		}
	}
	return withResources(ctx, client, rows)
}

// withResources lists rows with their resources, by resource then year.
func withResources(ctx context.Context, client *ent.Client, rows map[resourceYear]*ResourceYear) ([]ResourceYear, error) {
	ids := make([]pulid.ID, 0, len(rows))
	for key := range rows {
		ids = append(ids, key.resource)
	}
	resources, err := client.Resource.Query().Where(resource.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Resource, len(resources))
	for _, res := range resources {
		byID[res.ID] = res
	}
	out := make([]ResourceYear, 0, len(rows))
	for _, r := range rows {
		r.Resource = byID[r.ResourceID]
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ResourceYear) int {
		return cmp.Or(cmp.Compare(a.ResourceID, b.ResourceID), cmp.Compare(a.Year, b.Year))
	})
	return out, nil
}
