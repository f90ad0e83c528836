package directory

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"communs"
	"communs/ent"
	"communs/ent/attributedefinition"
	"communs/ent/attributevalue"
	"communs/ent/establishment"
	"communs/ent/resource"
	"communs/ent/schema/pulid"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/internal/calendar"
	"communs/internal/txn"
	"communs/internal/validate"
	"communs/internal/viewer"
)

// Service manages the directory: establishments, their attributes, the
// FINESS import. Who may call which operation is decided by the module's
// policy lines; which member's rows a viewer touches, by row isolation.
type Service struct {
	client *ent.Client
}

// New returns the directory service over client.
func New(client *ent.Client) *Service { return &Service{client: client} }

// Reception types of a capacity.
var receptionTypes = map[string]bool{"BOARDING": true, "DAY": true, "HOME": true, "TEMPORARY": true, "OTHER": true}

// EstablishmentInput creates or changes an establishment. On update, a nil
// field is left as it is; an empty string clears an optional one.
type EstablishmentInput struct {
	MemberID                           *pulid.ID
	FinessET, FinessEJ, Siret          *string
	Name, LongName, Street, PostalCode *string
	City, Department, Phone            *string
	DirectorName, DirectorContact      *string
	CategoryCode, CategoryLabel        *string
	OpenedOn, AuthorizedOn             *time.Time
	Capacities                         []schematype.Capacity
	Attributes                         []AttributeInput
}

// AttributeInput sets a member-defined attribute: Value is text ("12.5",
// "2026-01-31", "true", a choice); nil or empty removes it.
type AttributeInput struct {
	Key   string
	Value *string
}

// CreateEstablishment adds an establishment to a member's directory.
func (s *Service) CreateEstablishment(ctx context.Context, in EstablishmentInput) (*ent.Establishment, error) {
	if in.MemberID == nil {
		return nil, communs.InvalidField("memberId", "the member the establishment belongs to")
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return nil, communs.InvalidField("name", "the establishment's name is required")
	}
	if err := checkIdentifiers(in); err != nil {
		return nil, err
	}
	var created *ent.Establishment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		create := tx.Establishment.Create().SetMemberID(*in.MemberID)
		applyCreate(create.Mutation(), in)
		e, err := create.Save(ctx)
		if err != nil {
			return establishmentError(err)
		}
		if err := s.setAttributes(ctx, tx, e, in.Attributes, true); err != nil {
			return err
		}
		created, err = tx.Establishment.Get(ctx, e.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, created), nil
}

// UpdateEstablishment changes the fields given.
func (s *Service) UpdateEstablishment(ctx context.Context, id pulid.ID, in EstablishmentInput) (*ent.Establishment, error) {
	if in.MemberID != nil {
		return nil, communs.InvalidField("memberId", "an establishment does not change members")
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		return nil, communs.InvalidField("name", "the establishment's name cannot be empty")
	}
	if err := checkIdentifiers(in); err != nil {
		return nil, err
	}
	var updated *ent.Establishment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		e, err := tx.Establishment.Get(ctx, id)
		if err != nil {
			return notFound(err, "establishment %s not found", id)
		}
		update := tx.Establishment.UpdateOne(e)
		applyUpdate(update.Mutation(), in)
		if e, err = update.Save(ctx); err != nil {
			return establishmentError(err)
		}
		if err := s.setAttributes(ctx, tx, e, in.Attributes, false); err != nil {
			return err
		}
		updated, err = tx.Establishment.Get(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, updated), nil
}

// CloseEstablishment records that an establishment closed on closedOn.
func (s *Service) CloseEstablishment(ctx context.Context, id pulid.ID, closedOn time.Time) (*ent.Establishment, error) {
	if closedOn.IsZero() {
		return nil, communs.InvalidField("closedOn", "the day the establishment closed")
	}
	var closed *ent.Establishment
	err := txn.Run(ctx, s.client, func(ctx context.Context, tx *ent.Client) error {
		e, err := tx.Establishment.Get(ctx, id)
		if err != nil {
			return notFound(err, "establishment %s not found", id)
		}
		if e.Status == establishment.StatusCLOSED {
			return communs.Errorf(communs.ECONFLICT, "%s is closed already", e.Name)
		}
		closed, err = tx.Establishment.UpdateOne(e).
			SetStatus(establishment.StatusCLOSED).SetClosedOn(calendar.Day(closedOn)).Save(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return txn.Detached(ctx, closed), nil
}

// DefineAttribute adds an attribute to a member's establishments.
func (s *Service) DefineAttribute(ctx context.Context, memberID pulid.ID, key, label string, typ attributedefinition.Type, choices []string, required bool) (*ent.AttributeDefinition, error) {
	if v := viewer.FromContext(ctx); v == nil || !(v.System || slices.Contains(v.MemberIDs("member_admin"), memberID)) {
		return nil, communs.Errorf(communs.EFORBIDDEN, "only an administrator of the member defines its attributes")
	}
	if typ == attributedefinition.TypeCHOICE && len(choices) == 0 {
		return nil, communs.InvalidField("choices", "a CHOICE attribute lists its choices")
	}
	if typ != attributedefinition.TypeCHOICE && len(choices) > 0 {
		return nil, communs.InvalidField("choices", "only a CHOICE attribute has choices")
	}
	def, err := txn.Client(ctx, s.client).AttributeDefinition.Create().
		SetMemberID(memberID).SetKey(strings.TrimSpace(key)).SetLabel(strings.TrimSpace(label)).
		SetType(typ).SetChoices(choices).SetRequired(required).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, communs.InvalidField("key", "the member has an attribute %q already", key)
	}
	return def, err
}

// setAttributes writes the attribute values given, checked against the
// member's definitions; a new establishment must have its required ones.
// The values are written as the platform once the establishment itself
// was written under the caller's viewer (the audit still names the
// caller): they belong to the member through it.
func (s *Service) setAttributes(ctx context.Context, tx *ent.Client, e *ent.Establishment, attrs []AttributeInput, creating bool) error {
	ctx = viewer.SystemContext(ctx)
	defs, err := tx.AttributeDefinition.Query().Where(attributedefinition.MemberID(e.MemberID)).All(ctx)
	if err != nil {
		return err
	}
	byKey := make(map[string]*ent.AttributeDefinition, len(defs))
	for _, d := range defs {
		byKey[d.Key] = d
	}
	given := map[string]bool{}
	for i, a := range attrs {
		field := "attributes[" + strconv.Itoa(i) + "]"
		def := byKey[a.Key]
		if def == nil {
			return communs.InvalidField(field+".key", "the member defines no attribute %q", a.Key)
		}
		given[a.Key] = a.Value != nil && strings.TrimSpace(*a.Value) != ""
		if err := s.setValue(ctx, tx, e.ID, def, a.Value, field+".value"); err != nil {
			return err
		}
	}
	for _, d := range defs {
		if !d.Required {
			continue
		}
		set, ok := given[d.Key]
		if (creating && !set) || (ok && !set) {
			return communs.InvalidField("attributes", "the attribute %q is required", d.Key)
		}
	}
	return nil
}

// setValue replaces one attribute value, parsed by its type.
func (s *Service) setValue(ctx context.Context, tx *ent.Client, establishmentID pulid.ID, def *ent.AttributeDefinition, value *string, field string) error {
	_, err := tx.AttributeValue.Delete().
		Where(attributevalue.EstablishmentID(establishmentID), attributevalue.DefinitionID(def.ID)).Exec(ctx)
	if err != nil || value == nil || strings.TrimSpace(*value) == "" {
		return err
	}
	text := strings.TrimSpace(*value)
	create := tx.AttributeValue.Create().SetEstablishmentID(establishmentID).SetDefinitionID(def.ID)
	switch def.Type {
	case attributedefinition.TypeTEXT:
		create.SetTextValue(text)
	case attributedefinition.TypeCHOICE:
		if !slices.Contains(def.Choices, text) {
			return communs.InvalidField(field, "%q is not one of the choices of %q: %s", text, def.Key, strings.Join(def.Choices, ", "))
		}
		create.SetTextValue(text)
	case attributedefinition.TypeNUMBER:
		n, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", "."), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return communs.InvalidField(field, "%q is not a number", text)
		}
		create.SetNumberValue(n)
	case attributedefinition.TypeDATE:
		d, err := time.Parse(time.DateOnly, text)
		if err != nil {
			return communs.InvalidField(field, "%q is not a date (YYYY-MM-DD)", text)
		}
		create.SetDateValue(d)
	case attributedefinition.TypeBOOLEAN:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return communs.InvalidField(field, "%q is not true or false", text)
		}
		create.SetBoolValue(b)
	}
	return create.Exec(ctx)
}

// declarationLines suggests, for a member's new declaration, the places of
// its open establishments for each resource counted in places that it
// subscribes to during year: the module's extension hook.
func declarationLines(ctx context.Context, tx *ent.Client, memberID pulid.ID, year int) (map[pulid.ID]int64, error) {
	ctx = viewer.SystemContext(ctx)
	first, last := calendar.YearBounds(year)
	resources, err := tx.Subscription.Query().
		Where(subscription.MemberID(memberID),
			subscription.StatusIn(subscription.StatusACTIVE, subscription.StatusENDED),
			subscription.StartsOnLTE(last),
			subscription.Or(subscription.EndsOnIsNil(), subscription.EndsOnGTE(first)),
			subscription.HasResourceWith(resource.UsageUnitEQ(resource.UsageUnitPLACES))).
		Select(subscription.FieldResourceID).Strings(ctx)
	if err != nil || len(resources) == 0 {
		return nil, err
	}
	places, err := tx.Establishment.Query().
		Where(establishment.MemberID(memberID), establishment.StatusEQ(establishment.StatusOPEN)).
		Select(establishment.FieldCapacityTotal).Ints(ctx)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, p := range places {
		total += int64(p)
	}
	if total == 0 {
		return nil, nil
	}
	out := make(map[pulid.ID]int64, len(resources))
	for _, id := range resources {
		out[pulid.ID(id)] = total
	}
	return out, nil
}

// checkIdentifiers checks the FINESS, SIRET numbers and capacities given.
func checkIdentifiers(in EstablishmentInput) error {
	for field, v := range map[string]*string{"finessEt": in.FinessET, "finessEj": in.FinessEJ} {
		if v != nil && *v != "" {
			if err := ValidFINESS(*v); err != nil {
				return communs.InvalidField(field, "%s", err)
			}
		}
	}
	if in.Siret != nil && *in.Siret != "" {
		if err := validate.SIRET(*in.Siret); err != nil {
			return communs.InvalidField("siret", "%s", err)
		}
	}
	for i, c := range in.Capacities {
		field := "capacities[" + strconv.Itoa(i) + "]"
		if !receptionTypes[c.ReceptionType] {
			return communs.InvalidField(field+".receptionType", "one of BOARDING, DAY, HOME, TEMPORARY, OTHER")
		}
		if c.Places < 0 {
			return communs.InvalidField(field+".places", "a number of places cannot be negative")
		}
	}
	return nil
}

// establishmentMutation is what create and update share.
type establishmentMutation = *ent.EstablishmentMutation

func applyCreate(m establishmentMutation, in EstablishmentInput) { apply(m, in, false) }
func applyUpdate(m establishmentMutation, in EstablishmentInput) { apply(m, in, true) }

// apply sets the fields given; clearing applies to updates only.
func apply(m establishmentMutation, in EstablishmentInput, update bool) {
	optional := func(v *string, set func(string), clear func()) {
		switch {
		case v == nil:
		case *v != "":
			set(*v)
		case update:
			clear()
		}
	}
	optional(in.FinessET, m.SetFinessEt, m.ClearFinessEt)
	optional(in.FinessEJ, m.SetFinessEj, m.ClearFinessEj)
	optional(in.Siret, m.SetSiret, m.ClearSiret)
	texts := []struct {
		value *string
		set   func(string)
	}{
		{in.Name, m.SetName}, {in.LongName, m.SetLongName}, {in.Street, m.SetStreet},
		{in.PostalCode, m.SetPostalCode}, {in.City, m.SetCity}, {in.Department, m.SetDepartment},
		{in.Phone, m.SetPhone}, {in.DirectorName, m.SetDirectorName}, {in.DirectorContact, m.SetDirectorContact},
		{in.CategoryCode, m.SetCategoryCode}, {in.CategoryLabel, m.SetCategoryLabel},
	}
	for _, t := range texts {
		if t.value != nil {
			t.set(strings.TrimSpace(*t.value))
		}
	}
	if in.OpenedOn != nil {
		m.SetOpenedOn(calendar.Day(*in.OpenedOn))
	}
	if in.AuthorizedOn != nil {
		m.SetAuthorizedOn(calendar.Day(*in.AuthorizedOn))
	}
	if in.Capacities != nil {
		m.SetCapacities(in.Capacities)
		total := 0
		for _, c := range in.Capacities {
			total += c.Places
		}
		m.SetCapacityTotal(total)
	}
	if in.FinessET != nil && *in.FinessET != "" && (in.Department == nil || *in.Department == "") {
		m.SetDepartment(FINESSDepartment(*in.FinessET))
	}
}

// establishmentError turns a duplicate FINESS number into a clear error.
func establishmentError(err error) error {
	if ent.IsConstraintError(err) {
		return communs.InvalidField("finessEt", "an establishment with this FINESS number is in the directory already")
	}
	return err
}

func notFound(err error, format string, args ...any) error {
	if ent.IsNotFound(err) {
		return communs.Errorf(communs.ENOTFOUND, format, args...)
	}
	return err
}
