// One workflow as a card shows it; refetchable on its own (useRefetchableFragment), which Relay
// does through node(id:) because WorkflowDefinition implements Node.
import { graphql } from "./graphql.js";

export const workflowCardFragment = graphql`
  fragment WorkflowCard_workflow on WorkflowDefinition @refetchable(queryName: "WorkflowCardRefetchQuery") {
    id
    title
    description
    version
    updatedAt
    createdBy {
      id
      username
    }
  }
`;
