// The designer's canvas, entered by a workflow's global id through node(id:): the whole graph at
// once (tasks and transitions are plain lists), with the card, ticket definitions and versions
// fragments beside it. Its edits: an upload answering the workflow as written, and a delete whose
// deletedId (a global id) removes the record from the store.
import { graphql } from "./graphql.js";

export const workflowDesignerQuery = graphql`
  query WorkflowDesignerQuery($id: ID!) {
    node(id: $id) {
      id
      ...WorkflowDesigner_workflow @alias(as: "workflow")
    }
  }
`;

export const workflowDesignerFragment = graphql`
  fragment WorkflowDesigner_workflow on WorkflowDefinition {
    version
    tasks {
      id
      key
      title
      taskType
    }
    transitions {
      id
      priority
      condition
      fromTask {
        id
        key
      }
      toTask {
        id
        key
      }
    }
    task(key: "triage") {
      id
      title
    }
    ...WorkflowCard_workflow
    ...WorkflowTickets_workflow
    ...WorkflowTickets_versions
  }
`;

export const uploadWorkflowMutation = graphql`
  mutation WorkflowDesignerUploadMutation($input: WorkflowInput!) {
    uploadWorkflow(input: $input) {
      workflow {
        id
        version
        tasks {
          id
          key
          title
        }
        ...WorkflowCard_workflow
      }
      errors {
        code
        message
        path
      }
    }
  }
`;

export const deleteWorkflowMutation = graphql`
  mutation WorkflowDesignerDeleteMutation($id: ID!, $expectedVersion: Int!) {
    deleteWorkflowDefinition(id: $id, expectedVersion: $expectedVersion) {
      deletedId @deleteRecord
      errors {
        code
        path
      }
    }
  }
`;
