package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"communs"
	"communs/ent"
	"communs/ent/chargerun"
	"communs/ent/resource"
	"communs/ent/resourcecategory"
	"communs/ent/schema/pulid"
	"communs/ent/usagedeclaration"
	"communs/ent/usagedeclarationline"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// Catalogue keeps the resource catalogue and the members' subscriptions
// to its resources.
type Catalogue struct{ *workflow }

// The catalogue: a tree of categories and the resources members subscribe
// to. Only the groupement's managers change it (the catalogue's privacy
// policy refuses everyone else); resources are retired, never deleted, as
// subscriptions, declarations, costs and charges keep referring to them.

// CreateResourceCategory adds a category to the catalogue's tree.
func (s *Catalogue) CreateResourceCategory(ctx context.Context, in ent.CreateResourceCategoryInput) (*ent.ResourceCategory, error) {
	var created *ent.ResourceCategory
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if in.ParentID != nil {
			if _, err := tx.ResourceCategory.Get(ctx, *in.ParentID); err != nil {
				return invalidReference(err, "parentID", "no category %s", *in.ParentID)
			}
		}
		var err error
		created, err = tx.ResourceCategory.Create().SetInput(in).Save(ctx)
		return duplicateCode(err, "category", in.Code)
	})
	return created, err
}

// UpdateResourceCategory changes a category. A new parent may be neither
// the category itself nor one of its descendants: the tree stays a tree.
func (s *Catalogue) UpdateResourceCategory(ctx context.Context, id pulid.ID, in ent.UpdateResourceCategoryInput) (*ent.ResourceCategory, error) {
	var updated *ent.ResourceCategory
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		// The row and the ancestors walked below are locked (PostgreSQL), so
		// that two concurrent moves cannot together close a cycle.
		if _, err := tx.ResourceCategory.Query().
			Where(resourcecategory.ID(id), txn.LockedForUpdate).Only(ctx); err != nil {
			return notFoundAs(err, "category %s not found", id)
		}
		if in.ParentID != nil {
			if err := checkNoCycle(ctx, tx, id, *in.ParentID); err != nil {
				return err
			}
		}
		var err error
		updated, err = tx.ResourceCategory.UpdateOneID(id).SetInput(in).Save(ctx)
		code := ""
		if in.Code != nil {
			code = *in.Code
		}
		return duplicateCode(err, "category", code)
	})
	return updated, err
}

// checkNoCycle refuses parent as the parent of id when it is id itself or
// one of id's descendants, found by walking up from parent.
func checkNoCycle(ctx context.Context, tx *ent.Client, id, parent pulid.ID) error {
	if parent == id {
		return communs.InvalidField("parentID", "a category cannot be its own parent")
	}
	seen := map[pulid.ID]bool{}
	for cur := &parent; cur != nil; {
		if *cur == id {
			return communs.InvalidField("parentID",
				"category %s is inside the category being moved: the tree would have a cycle", parent)
		}
		if seen[*cur] {
			break // a cycle left by earlier data; id is not on it
		}
		seen[*cur] = true
		c, err := tx.ResourceCategory.Query().
			Where(resourcecategory.ID(*cur), txn.LockedForUpdate).Only(ctx)
		if err != nil {
			return invalidReference(err, "parentID", "no category %s", *cur)
		}
		cur = c.ParentID
	}
	return nil
}

// CreateResource adds a resource to the catalogue. It starts ACTIVE.
func (s *Catalogue) CreateResource(ctx context.Context, in ent.CreateResourceInput) (*ent.Resource, error) {
	if in.Status != nil && *in.Status != resource.StatusACTIVE {
		return nil, communs.InvalidField("status", "a new resource is ACTIVE; retire it later if needed")
	}
	var created *ent.Resource
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		if in.CategoryID != nil {
			if _, err := tx.ResourceCategory.Get(ctx, *in.CategoryID); err != nil {
				return invalidReference(err, "categoryID", "no category %s", *in.CategoryID)
			}
		}
		var err error
		created, err = tx.Resource.Create().SetInput(in).Save(ctx)
		return duplicateCode(err, "resource", in.Code)
	})
	return created, err
}

// UpdateResource changes a resource of the catalogue.
//
// Retirement is final: a RETIRED resource is not made ACTIVE again (its
// subscribers were told, and its history stays as it was); a resource that
// comes back is a new entry of the catalogue. Setting status RETIRED here
// is the same as RetireResource; other fields of a retired resource, such
// as its description, may still be corrected.
//
// The usage unit and the allocation key are the basis of the charges: the
// members' declarations count the resource in its unit, and the cost-price
// engine splits its costs by its key, both for the provisions already
// called and for the year-end regularisation. Changing either while a year
// with declarations of the resource has not been regularised would mix two
// bases in one year, so it is refused (CONFLICT) until the year-end run of
// every such year has completed.
func (s *Catalogue) UpdateResource(ctx context.Context, id pulid.ID, in ent.UpdateResourceInput) (*ent.Resource, error) {
	var updated *ent.Resource
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		res, err := tx.Resource.Query().Where(resource.ID(id), txn.LockedForUpdate).Only(ctx)
		if err != nil {
			return notFoundAs(err, "resource %s not found", id)
		}
		if in.Status != nil && res.Status == resource.StatusRETIRED && *in.Status != resource.StatusRETIRED {
			return communs.Errorf(communs.ECONFLICT,
				"resource %s is retired, and retirement is final: add a new resource to the catalogue instead", res.Name)
		}
		if in.CategoryID != nil {
			if _, err := tx.ResourceCategory.Get(ctx, *in.CategoryID); err != nil {
				return invalidReference(err, "categoryID", "no category %s", *in.CategoryID)
			}
		}
		unitChanges := in.UsageUnit != nil && *in.UsageUnit != res.UsageUnit
		keyChanges := in.AllocationKey != nil && *in.AllocationKey != res.AllocationKey
		if unitChanges || keyChanges {
			years, err := unregularisedDeclarationYears(ctx, tx, id)
			if err != nil {
				return err
			}
			if len(years) > 0 {
				return communs.Errorf(communs.ECONFLICT,
					"the usage declarations of %s count %s in %s and its costs are split by the %s key until the year-end "+
						"regularisation: change the usage unit or the allocation key after that run, or add a new resource",
					joinYears(years), res.Name, res.UsageUnit, res.AllocationKey)
			}
		}
		updated, err = tx.Resource.UpdateOneID(id).SetInput(in).Save(ctx)
		code := ""
		if in.Code != nil {
			code = *in.Code
		}
		return duplicateCode(err, "resource", code)
	})
	return updated, err
}

// RetireResource withdraws a resource from the catalogue: it stays, with
// its history, but no new subscription to it is accepted. Its current
// subscriptions go on until they are ended.
func (s *Catalogue) RetireResource(ctx context.Context, id pulid.ID) (*ent.Resource, error) {
	var retired *ent.Resource
	err := s.withTx(ctx, func(ctx context.Context, tx *ent.Client) error {
		n, err := tx.Resource.Update().
			Where(resource.ID(id), resource.StatusEQ(resource.StatusACTIVE)).
			SetStatus(resource.StatusRETIRED).Save(ctx)
		if err != nil {
			return err
		}
		res, err := tx.Resource.Get(ctx, id)
		if err != nil {
			return notFoundAs(err, "resource %s not found", id)
		}
		if n == 0 {
			return communs.Errorf(communs.ECONFLICT, "resource %s is already retired", res.Name)
		}
		retired = res
		return nil
	})
	return retired, err
}

// unregularisedDeclarationYears returns, in order, the years whose usage
// declarations have a line for the resource and whose year-end
// regularisation has not completed.
func unregularisedDeclarationYears(ctx context.Context, tx *ent.Client, resourceID pulid.ID) ([]int, error) {
	sys := viewer.SystemContext(ctx) // every member's declarations, and the charge runs
	years, err := tx.UsageDeclaration.Query().
		Where(usagedeclaration.HasLinesWith(usagedeclarationline.ResourceID(resourceID))).
		Unique(true).Select(usagedeclaration.FieldYear).Ints(sys)
	if err != nil || len(years) == 0 {
		return nil, err
	}
	done, err := tx.ChargeRun.Query().
		Where(chargerun.StepEQ(chargerun.StepYEAR_END), chargerun.StatusEQ(chargerun.StatusCOMPLETED),
			chargerun.FiscalYearIn(years...)).
		Select(chargerun.FieldFiscalYear).Ints(sys)
	if err != nil {
		return nil, err
	}
	years = slices.DeleteFunc(years, func(y int) bool { return slices.Contains(done, y) })
	slices.Sort(years)
	return slices.Compact(years), nil
}

// yearRegularised reports whether the year-end regularisation of year has
// completed.
func yearRegularised(ctx context.Context, tx *ent.Client, year int) (bool, error) {
	return tx.ChargeRun.Query().
		Where(chargerun.FiscalYear(year), chargerun.StepEQ(chargerun.StepYEAR_END),
			chargerun.StatusEQ(chargerun.StatusCOMPLETED)).
		Exist(viewer.SystemContext(ctx))
}

func joinYears(years []int) string {
	s := make([]string, len(years))
	for i, y := range years {
		s[i] = fmt.Sprint(y)
	}
	return strings.Join(s, ", ")
}

// lockedForShare is txn.LockedForUpdate's shared lock: the rows can be read by
// others but not changed until the transaction ends.
func lockedForShare(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForShare()
	}
}

// notFoundAs turns ent's not-found error into a NOT_FOUND error with the
// given message; other errors pass unchanged. A row that row isolation
// hides is not found either.
func notFoundAs(err error, format string, args ...any) error {
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, format, args...)
	}
	return err
}

// invalidReference turns the not-found error of a referenced row into an
// INVALID_INPUT error on the field that named it.
func invalidReference(err error, field, format string, args ...any) error {
	if ent.IsNotFound(err) {
		return communs.InvalidField(field, format, args...)
	}
	return err
}

// duplicateCode explains the unique code's constraint error.
func duplicateCode(err error, kind, code string) error {
	if ent.IsConstraintError(err) {
		return communs.Errorf(communs.ECONFLICT, "a %s with the code %q exists already", kind, code)
	}
	return err
}
