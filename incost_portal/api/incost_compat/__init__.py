"""The InCost-compatible endpoint at /incost/: AppsFlyer's three InCost paths and answers, with a
portal API key as the token, so a network whose systems already speak InCost switches to the
portal by changing its base URL and token.

As at AppsFlyer, an upload is answered at once only for what AppsFlyer refuses at once (ic311 over
1 MB, ic215 and ic414 for the app, ic416 for a body that is not a JSON array of objects, ic213 for
an unregistered media source): anything else is kept as an `IncostJob` with its body, and the job id
is answered. A worker then stores the body through the upload page's service (the portal's own
validation; accepted when clean, its groups replacing the network's), the bodies of one app in the
order received; the first error of a body with errors is the job's "Validation error". Accepted
cost then goes the way of all cost: the planner, packer, limiter and workers send it within the
token's real budget. The job's status is the portal's view of the groups it carried
(selectors.incost_job_status).
"""
