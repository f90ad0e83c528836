package directory

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"communs/ent"
	"communs/ent/establishment"
	"communs/ent/resource"
	"communs/ent/schema/schematype"
	"communs/ent/subscription"
	"communs/internal/viewer"
)

// demoCategories are the kinds of establishments the demo members run.
var demoCategories = []struct {
	code, label, short string
	capacities         []schematype.Capacity
}{
	{"183", "Institut Médico-Educatif (I.M.E.)", "IME", []schematype.Capacity{{ReceptionType: "BOARDING", Places: 24}, {ReceptionType: "DAY", Places: 36}}},
	{"246", "Etablissement et Service d'Aide par le Travail (E.S.A.T.)", "ESAT", []schematype.Capacity{{ReceptionType: "DAY", Places: 80}}},
	{"255", "Maison d'Accueil Spécialisée (M.A.S.)", "MAS", []schematype.Capacity{{ReceptionType: "BOARDING", Places: 42}, {ReceptionType: "TEMPORARY", Places: 2}}},
	{"437", "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)", "FAM", []schematype.Capacity{{ReceptionType: "BOARDING", Places: 30}}},
	{"182", "Service d'Éducation Spéciale et de Soins à Domicile (S.E.S.S.A.D.)", "SESSAD", []schematype.Capacity{{ReceptionType: "HOME", Places: 45}}},
}

// Demo gives each member that subscribes to the directory resource
// (GESTETAB) its establishments, unless it has some already: running it
// again adds nothing.
func Demo(ctx context.Context, client *ent.Client, out io.Writer) error {
	ctx = viewer.SystemContext(ctx)
	subs, err := client.Subscription.Query().
		Where(subscription.HasResourceWith(resource.Code("GESTETAB"))).
		WithMember().Order(ent.Asc(subscription.FieldMemberID)).All(ctx)
	if err != nil {
		return err
	}
	added := 0
	for i, sub := range subs {
		m := sub.Edges.Member
		has, err := client.Establishment.Query().Where(establishment.MemberID(m.ID)).Exist(ctx)
		if err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		department := "89"
		if len(m.PostalCode) >= 2 {
			department = m.PostalCode[:2]
		}
		if department == "20" { // Corsica: the FINESS numbers say 2A or 2B
			department = "2A"
		}
		for j := range 2 + i%2 {
			c := demoCategories[(i+j)%len(demoCategories)]
			total := 0
			for _, cp := range c.capacities {
				total += cp.Places
			}
			number := WithFINESSKey(fmt.Sprintf("%s%06d", department, 100+10*i+j))
			err := client.Establishment.Create().SetMemberID(m.ID).
				SetFinessEt(number).SetName(c.short + " " + m.City).
				SetLongName(c.label + " de " + m.City).
				SetStreet(strconv.Itoa(3+j) + " rue des Écoles").SetPostalCode(m.PostalCode).SetCity(m.City).
				SetDepartment(department).SetCategoryCode(c.code).SetCategoryLabel(c.label).
				SetOpenedOn(time.Date(1985+5*j+i, time.September, 1, 0, 0, 0, 0, time.UTC)).
				SetCapacities(c.capacities).SetCapacityTotal(total).
				Exec(ctx)
			if err != nil {
				return fmt.Errorf("demo establishment of %s: %w", m.Name, err)
			}
			added++
		}
	}
	if out != nil {
		fmt.Fprintf(out, "directory: %d establishments added\n", added)
	}
	return nil
}
