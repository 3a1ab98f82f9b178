// A workflow's ticket definitions, a connection nested in a Node: paged through node(id:) with the
// next cursor.
import { graphql } from "./graphql.js";

export const workflowTicketsFragment = graphql`
  fragment WorkflowTickets_workflow on WorkflowDefinition
  @refetchable(queryName: "WorkflowTicketsPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }) {
    ticketDefinitions(first: $count, after: $cursor) @connection(key: "WorkflowTickets_ticketDefinitions") {
      totalCount
      edges {
        node {
          id
          title
          version
          companyRoleAccess
        }
      }
    }
  }
`;

export const workflowVersionsFragment = graphql`
  fragment WorkflowTickets_versions on WorkflowDefinition
  @refetchable(queryName: "WorkflowVersionsPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }) {
    versions(first: $count, after: $cursor) @connection(key: "WorkflowTickets_versions") {
      edges {
        node {
          id
          version
          createdAt
        }
      }
    }
  }
`;
