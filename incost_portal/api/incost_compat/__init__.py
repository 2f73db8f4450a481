"""The InCost-compatible endpoint at /incost/: AppsFlyer's three InCost paths and answers, with a
portal API key as the token, so a network whose systems already speak InCost switches to the
portal by changing its base URL and token.

An upload is judged at once by the portal's own validation (the upload page's): a body AppsFlyer
refuses at once (ic416, ic213, ic311, an unknown app) is refused the same way; any other error gives
a job whose status is "Validation error" with its code, nothing stored. A clean body is kept as an
`IncostJob` and stored by a worker as a cost upload, accepted (its groups replace the network's);
then the normal planner, packer, limiter and workers send it within the token's real budget. The
job's status is the portal's view of the groups it carried (selectors.incost_job_status).
"""
