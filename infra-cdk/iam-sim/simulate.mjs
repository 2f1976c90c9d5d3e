// Evaluates IAM requests with @cloud-copilot/iam-simulate (pinned in package-lock.json), for infra-cdk's
// IamSimulationTest: reads {"cases": [{"name", "simulation"}]} (iam-simulate's Simulation) on stdin and writes one
// JSON object per case on stdout: its name, the decision (Allowed, ExplicitlyDenied, ImplicitlyDenied) or the
// simulator's validation errors (an unknown action, a resource of the wrong shape, a malformed policy).
import { runSimulation } from '@cloud-copilot/iam-simulate'

let input = ''
for await (const chunk of process.stdin) input += chunk
const { cases } = JSON.parse(input)
const results = []
for (const { name, simulation } of cases) {
  const simulated = await runSimulation(simulation, {})
  results.push(simulated.resultType === 'error'
    ? { name, result: 'Error', errors: simulated.errors }
    : { name, result: simulated.overallResult })
}
process.stdout.write(JSON.stringify(results) + '\n')
