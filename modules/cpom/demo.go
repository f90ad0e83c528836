package cpom

import (
	"context"
	"fmt"
	"io"
	"time"

	"communs/ent"
	"communs/ent/cpomaction"
	"communs/ent/cpomcontract"
	"communs/ent/cpomindicator"
	"communs/ent/establishment"
	"communs/ent/member"
	"communs/ent/schema/pulid"
	"communs/internal/txn"
	"communs/internal/viewer"
)

// demoMembers are the members whose CPOM the demo keeps, by name (ids
// differ from one database to the next), with their authority.
var demoMembers = []struct{ name, authority string }{
	{"Association Les Genêts du Morvan", "ARS Bourgogne-Franche-Comté et conseil départemental de Saône-et-Loire"},
	{"Association Les Tilleuls de l'Yonne", "ARS Bourgogne-Franche-Comté et conseil départemental de l'Yonne"},
}

// Demo gives each demo member without a contract a CPOM 2024–2028 with
// two objectives, actions (one late), indicators (one off target, one fed
// by the user record's educational support hours when that module is on),
// a milestone and the 2025 management dialogue. Running it again adds
// nothing.
func Demo(ctx context.Context, client *ent.Client, out io.Writer) error {
	ctx = viewer.SystemContext(ctx)
	added := 0
	for _, d := range demoMembers {
		m, err := client.Member.Query().Where(member.Name(d.name)).Only(ctx)
		if ent.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		has, err := client.CpomContract.Query().Where(cpomcontract.MemberID(m.ID)).Exist(ctx)
		if err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		err = txn.Run(ctx, client, func(ctx context.Context, tx *ent.Client) error {
			return demoContract(ctx, New(tx, nil), tx, m.ID, d.authority)
		})
		if err != nil {
			return fmt.Errorf("demo CPOM of %s: %w", d.name, err)
		}
		added++
	}
	if out != nil {
		fmt.Fprintf(out, "cpom: %d contracts added\n", added)
	}
	return nil
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// demoContract writes one member's demo contract.
func demoContract(ctx context.Context, s *Service, tx *ent.Client, member pulid.ID, authority string) error {
	establishments, err := tx.Establishment.Query().Where(establishment.MemberID(member)).IDs(ctx)
	if err != nil {
		return err
	}
	c, err := s.CreateContract(ctx, CpomContractInput{MemberID: member, Authority: authority,
		Title: "CPOM 2024-2028", StartsOn: day(2024, 1, 1), EndsOn: day(2028, 12, 31), EstablishmentIds: establishments})
	if err != nil {
		return err
	}
	if err := demoInclusion(ctx, s, c.ID); err != nil {
		return err
	}
	if err := demoQuality(ctx, s, c.ID); err != nil {
		return err
	}
	if _, err := s.AddMilestone(ctx, CpomMilestoneInput{ContractID: c.ID, Title: "Évaluation à mi-parcours", DueOn: day(2026, 6, 30)}); err != nil {
		return err
	}
	_, err = s.RecordDialogue(ctx, CpomDialogueInput{ContractID: c.ID, Year: 2025, HeldOn: day(2025, 11, 18),
		Participants: []string{"Direction générale", "ARS — délégation départementale", "Conseil départemental"},
		Decisions:    "Taux d'occupation à relever en 2026. Extension de 4 places d'accueil de jour accordée sous réserve du plan de formation."})
	return err
}

// demoInclusion adds the objective of inclusive support: a done action,
// a late one, and the indicator fed by the user record.
func demoInclusion(ctx context.Context, s *Service, contract pulid.ID) error {
	o, err := s.AddObjective(ctx, CpomObjectiveInput{ContractID: contract, Code: "1", Title: "Développer l'accompagnement inclusif"})
	if err != nil {
		return err
	}
	done, err := s.AddAction(ctx, CpomActionInput{ObjectiveID: o.ID, Title: "Ouvrir un pôle d'accompagnement à la scolarisation", Owner: "Directeur du pôle enfance", DueOn: day(2025, 9, 1)})
	if err != nil {
		return err
	}
	if _, err := s.SetActionStatus(ctx, done.ID, cpomaction.StatusDONE, ptr(day(2025, 8, 28))); err != nil {
		return err
	}
	if _, err := s.AddAction(ctx, CpomActionInput{ObjectiveID: o.ID, Title: "Signer une convention avec l'Éducation nationale", Owner: "Directrice générale", DueOn: day(2025, 12, 31)}); err != nil {
		return err
	}
	code, hours := "2.3.1.1", cpomindicator.SourceMeasureHOURS
	fed, err := s.AddIndicator(ctx, CpomIndicatorInput{ObjectiveID: o.ID, Name: "Heures d'accompagnement éducatif", Unit: "heures", Baseline: 100, SourceCode: &code, SourceMeasure: &hours})
	if err != nil {
		return err
	}
	_, err = s.SetIndicatorYear(ctx, CpomIndicatorYearInput{IndicatorID: fed.ID, Year: 2026, Target: ptr(120.0)})
	return err
}

// demoQuality adds the objective of quality: the indicator off target in
// 2025, and an action due later.
func demoQuality(ctx context.Context, s *Service, contract pulid.ID) error {
	o, err := s.AddObjective(ctx, CpomObjectiveInput{ContractID: contract, Code: "2", Title: "Améliorer l'efficience et la qualité"})
	if err != nil {
		return err
	}
	if _, err := s.AddAction(ctx, CpomActionInput{ObjectiveID: o.ID, Title: "Mettre en place le dossier de l'usager informatisé", Owner: "Responsable qualité", DueOn: day(2027, 6, 30)}); err != nil {
		return err
	}
	occupancy, err := s.AddIndicator(ctx, CpomIndicatorInput{ObjectiveID: o.ID, Name: "Taux d'occupation", Unit: "%", Baseline: 91.5})
	if err != nil {
		return err
	}
	_, err = s.SetIndicatorYear(ctx, CpomIndicatorYearInput{IndicatorID: occupancy.ID, Year: 2025, Target: ptr(95.0), Value: ptr(92.8)})
	return err
}

func ptr[T any](v T) *T { return &v }
