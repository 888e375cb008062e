package blazar

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/chameleoncloud/leasefile/blazar/internal/wire"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// Allocation is one resource (host, device, network segment) with the
// reservations holding it, as /os-hosts/allocations, /devices/allocations
// and /networks/allocations return it. Blazar lists only reservations whose
// lease has not ended, unless a lease or reservation id filter is given.
type Allocation struct {
	ResourceID   string
	Reservations []AllocatedReservation
}

// AllocatedReservation is a reservation as an allocation lists it.
type AllocatedReservation struct {
	ID        string
	LeaseID   string
	StartDate time.Time
	EndDate   time.Time
	// Extras is Chameleon's addition: {} in a list as recorded on the fork (2023.1), absent
	// for one resource; a deployment may fill it (user_name), upstream has none.
	Extras map[string]any
	// Status, LeaseName and ProjectID appear only in Blazar's detailed form.
	Status, LeaseName, ProjectID string
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *Allocation) UnmarshalJSON(b []byte) error {
	var s struct {
		ResourceID   wire.String            `json:"resource_id"`
		Reservations []AllocatedReservation `json:"reservations"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*a = Allocation{ResourceID: string(s.ResourceID), Reservations: s.Reservations}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *AllocatedReservation) UnmarshalJSON(b []byte) error {
	var s struct {
		ID        string         `json:"id"`
		LeaseID   string         `json:"lease_id"`
		StartDate JSONTime       `json:"start_date"`
		EndDate   JSONTime       `json:"end_date"`
		Extras    map[string]any `json:"extras"`
		Status    string         `json:"status"`
		LeaseName string         `json:"lease_name"`
		ProjectID string         `json:"project_id"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*r = AllocatedReservation{ID: s.ID, LeaseID: s.LeaseID, StartDate: s.StartDate.Time(), EndDate: s.EndDate.Time(),
		Extras: s.Extras, Status: s.Status, LeaseName: s.LeaseName, ProjectID: s.ProjectID}
	return nil
}

// AllocationListOpts filters an allocation listing. With either field set,
// Blazar also lists reservations of leases that have ended.
type AllocationListOpts struct {
	LeaseID       string `q:"lease_id"`
	ReservationID string `q:"reservation_id"`
}

// ToAllocationListQuery renders the query string ("" or "?lease_id=...").
func (opts AllocationListOpts) ToAllocationListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// AllocationPage is the single page of an allocation listing (Blazar does
// not paginate).
type AllocationPage struct {
	pagination.SinglePageBase
}

// IsEmpty reports whether the page lists no resource.
func (p AllocationPage) IsEmpty() (bool, error) {
	if p.StatusCode == 204 {
		return true, nil
	}
	as, err := ExtractAllocations(p)
	return len(as) == 0, err
}

// ExtractAllocations reads the "allocations" list of a page.
func ExtractAllocations(p pagination.Page) ([]Allocation, error) {
	var s struct {
		Allocations []Allocation `json:"allocations"`
	}
	err := (p.(AllocationPage)).ExtractInto(&s)
	return s.Allocations, err
}

// ListAllocations returns a pager over the allocations at url (a
// resource package's ".../allocations" URL).
func ListAllocations(client *gophercloud.ServiceClient, url string, opts AllocationListOpts) pagination.Pager {
	q, err := opts.ToAllocationListQuery()
	if err != nil {
		return pagination.Pager{Err: err}
	}
	return pagination.NewPager(client, url+q, func(r pagination.PageResult) pagination.Page {
		return AllocationPage{pagination.SinglePageBase(r)}
	})
}

// ListAllAllocations fetches every allocation at url in one call.
func ListAllAllocations(ctx context.Context, client *gophercloud.ServiceClient, url string, opts AllocationListOpts) ([]Allocation, error) {
	page, err := ListAllocations(client, url, opts).AllPages(ctx)
	if err != nil {
		return nil, ConvertError(err)
	}
	return ExtractAllocations(page)
}

// AllocationResult is the answer of a one-resource allocation GET.
type AllocationResult struct {
	gophercloud.Result
}

// Extract reads the "allocation" object.
func (r AllocationResult) Extract() (*Allocation, error) {
	var s struct {
		Allocation *Allocation `json:"allocation"`
	}
	if r.Err != nil {
		return nil, r.Err
	}
	err := r.ExtractInto(&s)
	return s.Allocation, err
}

// GetAllocation fetches the allocation at url (".../{id}/allocation").
func GetAllocation(ctx context.Context, client *gophercloud.ServiceClient, url string, opts AllocationListOpts) (r AllocationResult) {
	q, err := opts.ToAllocationListQuery()
	if err != nil {
		r.Err = err
		return
	}
	resp, err := client.Get(ctx, url+q, &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = ConvertError(r.Err)
	return
}

// ResourceProperty is one extra capability name usable in
// resource_properties, with its values when listed with Detail.
type ResourceProperty struct {
	Property string   `json:"property"`
	Private  bool     `json:"private"`
	Values   []string `json:"values"`
	IsUnique bool     `json:"is_unique"`
}

// PropertyListOpts selects the detailed form (values and privacy) and, for
// admins, private properties too.
type PropertyListOpts struct {
	Detail bool
	All    bool
}

// PropertiesResult is the answer of a properties listing.
type PropertiesResult struct {
	gophercloud.Result
}

// Extract reads the "resource_properties" list.
func (r PropertiesResult) Extract() ([]ResourceProperty, error) {
	var s struct {
		Props []ResourceProperty `json:"resource_properties"`
	}
	if r.Err != nil {
		return nil, r.Err
	}
	err := r.ExtractInto(&s)
	return s.Props, err
}

// ListProperties fetches the property list at url (".../properties").
func ListProperties(ctx context.Context, client *gophercloud.ServiceClient, u string, opts PropertyListOpts) (r PropertiesResult) {
	q := url.Values{}
	// Blazar's Flask routes compare these with the Python literal "True".
	if opts.Detail {
		q.Set("detail", "True")
	}
	if opts.All {
		q.Set("all", "True")
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := client.Get(ctx, u, &r.Body, nil)
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	r.Err = ConvertError(r.Err)
	return
}
