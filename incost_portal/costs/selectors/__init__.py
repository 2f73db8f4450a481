"""Reads of cost data, one module per subject; every function that returns tenant data takes
`network=` (an upload's own rows are read from its file, the upload found through the network)."""

from incost_portal.costs.selectors.rows import (
    CostTotals,
    DayTotal,
    cost_day_totals,
    cost_group_hash,
    cost_group_hashes,
    cost_group_rows,
    cost_row_list,
    cost_rows_filtered,
    cost_totals_of,
    group_filtered,
    network_rules,
)
from incost_portal.costs.selectors.uploads import (
    Grid,
    IssueGroup,
    UploadProfile,
    cost_upload_filtered,
    cost_upload_list,
    upload_fields,
    upload_file_issues,
    upload_grid,
    upload_issue_groups,
    upload_profile,
    upload_rows,
)

__all__ = [
    "CostTotals",
    "DayTotal",
    "Grid",
    "IssueGroup",
    "UploadProfile",
    "cost_day_totals",
    "cost_group_hash",
    "cost_group_hashes",
    "cost_group_rows",
    "cost_row_list",
    "cost_rows_filtered",
    "cost_totals_of",
    "cost_upload_filtered",
    "cost_upload_list",
    "group_filtered",
    "network_rules",
    "upload_fields",
    "upload_file_issues",
    "upload_grid",
    "upload_issue_groups",
    "upload_profile",
    "upload_rows",
]
