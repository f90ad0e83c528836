package charging

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

	"communs"
	"communs/ent"
	"communs/ent/charge"
	"communs/ent/chargerun"
	"communs/ent/costentry"
	"communs/ent/member"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
)

// ResourceBalance is where a resource stands for a fiscal year.
type ResourceBalance struct {
	ResourceID   pulid.ID
	ResourceName string
	// Budgeted and Actual are the cost entries of the year, common and
	// direct.
	Budgeted, Actual int64
	// Provisioned and Regularized are the PROVISION and REGULARIZATION
	// charges of the year.
	Provisioned, Regularized int64
	// Charged is Provisioned + Regularized.
	Charged int64
	// Difference is Charged − Actual: zero once the year end has run, unless
	// part of the actual cost had nobody to bear it.
	Difference int64
	// Regularised reports that a COMPLETED YEAR_END ChargeRun exists for
	// the year.
	Regularised bool
	// Balanced is Regularised && Difference == 0.
	Balanced bool
}

// Balance returns one row per resource with costs or charges in the year,
// ordered by resource name. It runs under the caller's ctx, so row
// isolation applies: a member's people see the common costs, their own
// direct costs and their own charges; the groupement's staff see all.
// Note that ChargeRun rows are visible to the groupement only, so for a
// member-side viewer Regularised (and Balanced) are always false.
func Balance(ctx context.Context, client *ent.Client, year int) ([]ResourceBalance, error) {
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	byID := map[pulid.ID]*ResourceBalance{}
	get := func(id pulid.ID) *ResourceBalance {
		b := byID[id]
		if b == nil {
			b = &ResourceBalance{ResourceID: id}
			byID[id] = b
		}
		return b
	}

	var costs []struct {
		ResourceID pulid.ID        `json:"resource_id"`
		Basis      costentry.Basis `json:"basis"`
		Sum        sql.NullInt64   `json:"sum"`
	}
	err := client.CostEntry.Query().Where(costentry.FiscalYear(year)).
		GroupBy(costentry.FieldResourceID, costentry.FieldBasis).
		Aggregate(ent.Sum(costentry.FieldAmount)).Scan(ctx, &costs)
	if err != nil {
		return nil, err
	}
	for _, row := range costs {
		b := get(row.ResourceID)
		switch row.Basis {
		case costentry.BasisBUDGETED:
			b.Budgeted += row.Sum.Int64
		case costentry.BasisACTUAL:
			b.Actual += row.Sum.Int64
		}
	}

	var charges []struct {
		ResourceID pulid.ID      `json:"resource_id"`
		Kind       charge.Kind   `json:"kind"`
		Sum        sql.NullInt64 `json:"sum"`
	}
	err = client.Charge.Query().
		Where(charge.FiscalYear(year), charge.ResourceIDNotNil(),
			charge.KindIn(charge.KindPROVISION, charge.KindREGULARIZATION)).
		GroupBy(charge.FieldResourceID, charge.FieldKind).
		Aggregate(ent.Sum(charge.FieldAmount)).Scan(ctx, &charges)
	if err != nil {
		return nil, err
	}
	for _, row := range charges {
		b := get(row.ResourceID)
		switch row.Kind {
		case charge.KindPROVISION:
			b.Provisioned += row.Sum.Int64
		case charge.KindREGULARIZATION:
			b.Regularized += row.Sum.Int64
		}
	}
	if len(byID) == 0 {
		return []ResourceBalance{}, nil
	}

	regularised, err := client.ChargeRun.Query().
		Where(chargerun.FiscalYear(year), chargerun.StepEQ(chargerun.StepYEAR_END),
			chargerun.StatusEQ(chargerun.StatusCOMPLETED)).
		Exist(ctx)
	if err != nil {
		return nil, err
	}
	names, err := resourceNames(ctx, client, sortedKeys(byID))
	if err != nil {
		return nil, err
	}
	out := make([]ResourceBalance, 0, len(byID))
	for id, b := range byID {
		b.ResourceName = names[id]
		b.Charged = b.Provisioned + b.Regularized
		b.Difference = b.Charged - b.Actual
		b.Regularised = regularised
		b.Balanced = regularised && b.Difference == 0
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b ResourceBalance) int {
		return cmp.Or(cmp.Compare(a.ResourceName, b.ResourceName), cmp.Compare(a.ResourceID, b.ResourceID))
	})
	return out, nil
}

// StatementLine is the sum of a member's charges of a year for one
// resource (nil for services and fees), kind and period.
type StatementLine struct {
	ResourceID   *pulid.ID
	ResourceName string
	Kind         charge.Kind
	Period       charge.Period
	Amount       int64
}

// MemberStatement is a member's charges of a year, by resource and kind,
// with totals.
type MemberStatement struct {
	MemberID pulid.ID
	Year     int
	Lines    []StatementLine
	Total    int64
}

// Statement returns a member's charges of a year under the caller's ctx:
// a member the viewer may not see is NOT_FOUND. Lines are ordered by
// resource name (lines without a resource last), kind and period.
func Statement(ctx context.Context, client *ent.Client, memberID pulid.ID, year int) (*MemberStatement, error) {
	if err := checkFiscalYear(year); err != nil {
		return nil, err
	}
	exists, err := client.Member.Query().Where(member.ID(memberID)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, communs.Errorf(communs.ENOTFOUND, "member %s not found", memberID)
	}
	var rows []struct {
		ResourceID sql.NullString `json:"resource_id"`
		Kind       charge.Kind    `json:"kind"`
		Period     charge.Period  `json:"period"`
		Sum        sql.NullInt64  `json:"sum"`
	}
	err = client.Charge.Query().Where(charge.MemberID(memberID), charge.FiscalYear(year)).
		GroupBy(charge.FieldResourceID, charge.FieldKind, charge.FieldPeriod).
		Aggregate(ent.Sum(charge.FieldAmount)).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	st := &MemberStatement{MemberID: memberID, Year: year, Lines: make([]StatementLine, 0, len(rows))}
	var ids []pulid.ID
	for _, row := range rows {
		line := StatementLine{Kind: row.Kind, Period: row.Period, Amount: row.Sum.Int64}
		if row.ResourceID.Valid {
			id := pulid.ID(row.ResourceID.String)
			line.ResourceID = &id
			ids = append(ids, id)
		}
		st.Lines = append(st.Lines, line)
		st.Total += line.Amount
	}
	names, err := resourceNames(ctx, client, ids)
	if err != nil {
		return nil, err
	}
	for i := range st.Lines {
		if id := st.Lines[i].ResourceID; id != nil {
			st.Lines[i].ResourceName = names[*id]
		}
	}
	slices.SortFunc(st.Lines, func(a, b StatementLine) int {
		if c := cmp.Compare(boolInt(a.ResourceID == nil), boolInt(b.ResourceID == nil)); c != 0 {
			return c
		}
		var ida, idb pulid.ID
		if a.ResourceID != nil {
			ida, idb = *a.ResourceID, *b.ResourceID
		}
		return cmp.Or(
			cmp.Compare(a.ResourceName, b.ResourceName),
			cmp.Compare(ida, idb),
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(slices.Index(periodOrder, a.Period), slices.Index(periodOrder, b.Period)),
		)
	})
	return st, nil
}

// The order of kinds and periods in a statement.
var (
	kindOrder = []charge.Kind{charge.KindPROVISION, charge.KindREGULARIZATION,
		charge.KindSTARTUP_SERVICE, charge.KindSUPPLEMENTARY_SERVICE, charge.KindMEMBERSHIP_FEE}
	periodOrder = []charge.Period{charge.PeriodQ1, charge.PeriodQ2, charge.PeriodQ3,
		charge.PeriodYEAR_END, charge.PeriodSERVICES, charge.PeriodFEES}
)

func checkFiscalYear(year int) error {
	if year < 2000 || year > 2100 {
		return communs.InvalidField("year", "a fiscal year between 2000 and 2100")
	}
	return nil
}

// resourceNames loads the names of the resources ids in one query.
func resourceNames(ctx context.Context, client *ent.Client, ids []pulid.ID) (map[pulid.ID]string, error) {
	names := make(map[pulid.ID]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	var rows []struct {
		ID   pulid.ID `json:"id"`
		Name string   `json:"name"`
	}
	err := client.Resource.Query().Where(resource.IDIn(ids...)).
		Select(resource.FieldID, resource.FieldName).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return names, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
