// Jest's node environment, plus the real `process` object: Pulumi reports a
// failed registration as an unhandled rejection (its language host listens
// for them), and the sandbox's own `process` never sees those.
const { TestEnvironment } = require("jest-environment-node");

class PulumiEnvironment extends TestEnvironment {
    constructor(config, context) {
        super(config, context);
        this.global.__hostProcess = process;
    }
}
module.exports = PulumiEnvironment;
